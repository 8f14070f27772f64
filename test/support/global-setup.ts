import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/client.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteDump: string;
  }
}

/**
 * The processes the tests start (`bin/region-gateway.js`) run the compiled dist/: rebuild it
 * first when a source file changed since the last build, so the tests run what is in src/.
 */
function buildIfStale() {
  const script = path.resolve(import.meta.dirname, "../../scripts/build.mjs");
  execFileSync(process.execPath, [script, "--if-stale"], { stdio: "inherit" });
}

/**
 * PGlite on a copy of dist/pglite-template, the migrated database the build makes for new data
 * directories (src/db/pglite.ts), or on a new database (an initdb, seconds) without one.
 */
async function copyOfTemplate(pgDir: string): Promise<PGlite> {
  const template = path.resolve(import.meta.dirname, "../../dist/pglite-template");
  if (!existsSync(path.join(template, "PG_VERSION"))) return PGlite.create();
  cpSync(template, pgDir, { recursive: true, filter: (f) => path.basename(f) !== "region-gateway-template.json" });
  return PGlite.create({ dataDir: pgDir });
}

/**
 * Opening a new PGlite database takes seconds; migrate one once and give every suite
 * its own copy of the dump (loadDataDir, well under a second). The one made here is a copy of
 * the migrated template the build made (what a new DATA_DIR starts as), not an initdb.
 */
export default async function setup(project: TestProject) {
  buildIfStale();
  const dir = mkdtempSync(path.join(tmpdir(), "rg-test-"));
  const pglite = await copyOfTemplate(path.join(dir, "pglite"));
  const database = await openDatabase({ pglite });
  await database.migrate();
  const dump = await pglite.dumpDataDir("none");
  const file = path.join(dir, "migrated.tar");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  project.provide("pgliteDump", file);
  if (!process.env.TEST_DATABASE_URL) {
    console.log("TEST_DATABASE_URL is not set: the PostgreSQL runs of the storage and HTTP suites are skipped.");
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
