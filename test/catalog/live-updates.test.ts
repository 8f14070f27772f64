import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { newRegionInput } from "../../src/domain/region.ts";
import { backends, type TestDatabase, testSecretBox } from "../support/backends.ts";

const postgresBackend = backends.find((b) => b.name === "postgres");

// Two gateway instances on one PostgreSQL database: a write through one is served by the other.
describe.skipIf(!postgresBackend?.available)("live updates across instances (postgres)", () => {
  let db: TestDatabase;
  let secondDb: Database;
  let writer: Catalog;
  let reader: Catalog;
  beforeAll(async () => {
    db = await (postgresBackend as NonNullable<typeof postgresBackend>).open();
    secondDb = await openDatabase({ databaseUrl: db.url });
    writer = await Catalog.open(db.database, { secretBox: testSecretBox });
    reader = await Catalog.open(secondDb, { secretBox: testSecretBox, pollIntervalMs: 200 });
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await secondDb?.close();
    await db?.drop();
  });

  it("LISTEN/NOTIFY brings another instance's write into the snapshot", async () => {
    await writer.create(newRegionInput("notified", "uid-notified"));
    await vi.waitFor(() => expect(reader.get("notified")?.uid).toBe("uid-notified"), { timeout: 5000, interval: 20 });
  });

  it("the version poll catches up when a notification is missed", async () => {
    // Bypass the notifying write path: a raw update bumps the version without NOTIFY.
    await db.database.db.execute(sql`update regions set description = 'changed quietly' where name = 'notified'`);
    await db.database.db.execute(sql`update catalog_state set version = version + 1 where id = 1`);
    await vi.waitFor(() => expect(reader.get("notified")?.description).toBe("changed quietly"), {
      timeout: 5000,
      interval: 50,
    });
  });
});
