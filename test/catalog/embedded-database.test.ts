import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { isNewDataDir, migrationsFolder, openDatabase } from "../../src/db/client.ts";
import { newRegionInput } from "../../src/domain/region.ts";
import { testSecretBox } from "../support/backends.ts";

const rows = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

// A new DATA_DIR is a copy of the migrated template `npm run build` makes (no initdb), opened with
// small memory settings; the test suite's global setup has built it.
describe("the embedded database in a new DATA_DIR", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-embedded-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts as a copy of the migrated template, with the gateway's memory settings, and keeps its writes", async () => {
    expect(isNewDataDir(dataDir)).toBe(true);
    const database = await openDatabase({ dataDir });
    try {
      expect(isNewDataDir(dataDir)).toBe(false);
      // the template's databases: no template0/template1 (an initdb would have made them)
      const dbs = rows<{ datname: string }>(await database.db.execute(sql`select datname from pg_database`));
      expect(dbs.map((d) => d.datname)).toEqual(["postgres"]);
      // already migrated: every migration of the journal is recorded before migrate() runs
      const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
        entries: unknown[];
      };
      const applied = rows<{ n: number }>(
        await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
      );
      expect(applied[0]?.n).toBe(journal.entries.length);
      const [buffers] = rows<{ shared_buffers: string }>(await database.db.execute(sql`show shared_buffers`));
      expect(buffers?.shared_buffers).toBe("16MB");
      // the directories PostgreSQL needs, empty ones included, are there; no partial copy is left
      for (const dir of ["pg_tblspc", "pg_twophase", "pg_replslot", "pg_snapshots", "pg_notify", "pg_logical/snapshots"]) {
        expect(existsSync(path.join(dataDir, "pglite", dir)), dir).toBe(true);
      }
      expect(existsSync(path.join(dataDir, "pglite", "region-gateway-template.json"))).toBe(false);
      await database.migrate();
      const catalog = await Catalog.open(database, { secretBox: testSecretBox });
      await catalog.create(newRegionInput("kept", "uid-kept"));
      await catalog.close();
    } finally {
      await database.close();
    }
    const reopened = await openDatabase({ dataDir });
    try {
      const catalog = await Catalog.open(reopened, { secretBox: testSecretBox });
      expect(catalog.list().map((r) => r.name)).toEqual(["kept"]);
      await catalog.close();
    } finally {
      await reopened.close();
    }
  });
});

// After a large change the gateway gives the embedded engine's memory back by opening it again
// (Database.recycle): writes and reads around it must neither fail nor be lost.
describe("the embedded database opened again after a large change", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-recycle-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("lets a running write finish, holds new ones until the new engine is open, and keeps everything", async () => {
    const database = await openDatabase({ dataDir });
    try {
      await database.migrate();
      const catalog = await Catalog.open(database, { secretBox: testSecretBox });
      await catalog.create(newRegionInput("before", "uid-before"));
      const startedAt = async () =>
        rows<{ t: string }>(await database.db.execute(sql`select pg_postmaster_start_time()::text as t`))[0]?.t;
      const firstEngine = await startedAt();
      // a write in flight when the recycle starts, and one that arrives during it
      const during = catalog.create(newRegionInput("during", "uid-during"));
      const recycled = database.recycle();
      const after = catalog.create(newRegionInput("after", "uid-after"));
      const audit = catalog.audit({ limit: 10 });
      await Promise.all([during, recycled, after]);
      expect((await audit).length).toBeGreaterThanOrEqual(2);
      expect(await startedAt()).not.toBe(firstEngine);
      expect(database.pool().transactions).toBe(0);
      await database.ping();
      await catalog.close();
      // everything acknowledged is in the files
      const again = await Catalog.open(database, { secretBox: testSecretBox });
      expect(
        again
          .list()
          .map((r) => r.name)
          .sort(),
      ).toEqual(["after", "before", "during"]);
      await again.close();
    } finally {
      await database.close();
    }
  });
});
