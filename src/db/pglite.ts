import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { PGlite } from "@electric-sql/pglite";

/**
 * PGlite's memory. Its defaults are a server's (shared_buffers=128MB, all of it touched at
 * start); the gateway serves reads from its own snapshot and asks the database only for writes
 * and reloads, so small buffers cost nothing it needs (measured in the README's performance
 * section: about 150 MiB less resident memory). Written to postgresql.conf at each open.
 */
export const pgliteSettings = [
  "shared_buffers=16MB",
  "wal_buffers=1MB",
  "work_mem=4MB",
  "maintenance_work_mem=16MB",
  "temp_buffers=1MB",
];

/**
 * Where the build keeps a migrated embedded database (dist/pglite-template, made by
 * `npm run build`): a new data directory is a copy of it rather than a PGlite initdb, which takes
 * seconds and several hundred MiB. Looked for beside the compiled modules, then in the checkout's
 * dist/ (when the sources run directly).
 */
const templateCandidates = [
  fileURLToPath(new URL("../pglite-template", import.meta.url)),
  fileURLToPath(new URL("../../dist/pglite-template", import.meta.url)),
];

/** What a template was made with: a copy is used only by the same PGlite (the same PostgreSQL). */
interface TemplateInfo {
  pglite: string;
  /** every directory, empty ones too (PostgreSQL needs them; `npm pack` leaves empty ones out) */
  directories: string[];
}

const infoFile = "region-gateway-template.json";

function pgliteVersion(): string {
  // the package's own package.json, found upwards from its entry point
  let dir = path.dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "@electric-sql/pglite") return pkg.version ?? "unknown";
  }
  return "unknown";
}

/** The template this installation can use, if the build made one. */
function findTemplate(): { dir: string; info: TemplateInfo } | null {
  const version = pgliteVersion();
  for (const dir of templateCandidates) {
    try {
      const info = JSON.parse(readFileSync(path.join(dir, infoFile), "utf8")) as TemplateInfo;
      if (info.pglite === version && existsSync(path.join(dir, "PG_VERSION"))) return { dir, info };
    } catch {
      // no template here
    }
  }
  return null;
}

/** Every directory under `root`, relative to it, parents first. */
function directoriesOf(root: string, under = ""): string[] {
  return readdirSync(path.join(root, under), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const dir = path.join(under, e.name);
      return [dir, ...directoriesOf(root, dir)];
    });
}

/** Copies a directory tree, file by file (fewer system calls than fs.cpSync). */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, e.name);
    const target = path.join(to, e.name);
    if (e.isDirectory()) copyTree(source, target);
    else if (e.isFile() && e.name !== infoFile) copyFileSync(source, target, constants.COPYFILE_FICLONE);
  }
}

/**
 * Fills a new PGlite directory from the template, if there is one: copied beside it and renamed
 * into place, so an interrupted copy never looks like a database. Returns false without one.
 */
export function createFromTemplate(pgDir: string): boolean {
  const template = findTemplate();
  if (!template) return false;
  const partial = `${pgDir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    copyTree(template.dir, partial);
    for (const dir of template.info.directories) mkdirSync(path.join(partial, dir), { recursive: true });
    rmSync(pgDir, { recursive: true, force: true }); // an empty directory left by an earlier attempt
    renameSync(partial, pgDir);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  return true;
}

/**
 * Opens PGlite on `pgDir` (undefined: in memory) with the gateway's memory settings.
 *
 * Its PostgreSQL (9 MiB of WebAssembly) is compiled by V8's baseline compiler only: the
 * optimising tier recompiles the hot functions in the background at every start, which here
 * cost ~0.2 s of CPU and ~40 MiB of resident code for a database the gateway asks only for writes
 * and reloads (measured: a 10,000-region import and a reload of it took less CPU without it, not
 * more). The flag is the process's, and only PGlite runs WebAssembly here.
 */
export function createPglite(pgDir: string | undefined): Promise<PGlite> {
  setFlagsFromString("--liftoff-only");
  return PGlite.create({ ...(pgDir ? { dataDir: pgDir } : {}), postgresqlconf: pgliteSettings });
}

/**
 * Makes the template (the build runs this): a new database, migrated by `migrate`, without the
 * template0/template1 databases (nothing here runs CREATE DATABASE; two thirds of the files the
 * copy would otherwise write), checkpointed and closed.
 */
export async function makeTemplate(dir: string, migrate: (client: PGlite) => Promise<void>): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const client = await PGlite.create({ dataDir: dir });
  try {
    await migrate(client);
    for (const name of ["template1", "template0"]) {
      await client.exec(`ALTER DATABASE ${name} IS_TEMPLATE false`);
      await client.exec(`DROP DATABASE ${name}`);
    }
    await client.exec("CHECKPOINT");
  } finally {
    await client.close();
  }
  const info: TemplateInfo = { pglite: pgliteVersion(), directories: directoriesOf(dir) };
  writeFileSync(path.join(dir, infoFile), `${JSON.stringify(info)}\n`);
}
