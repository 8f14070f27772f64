import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { backends, type TestDatabase } from "./support/backends.ts";
import { realProcessFiles, startFirst } from "./support/slow-files.ts";

const root = path.resolve(import.meta.dirname, "..");
const testFiles = readdirSync(path.join(root, "test"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => `test/${f.split(path.sep).join("/")}`)
  .sort();

/**
 * A file that starts a process imports what does it: node:child_process, playwright, or the test
 * helpers that start the gateway, its command line or a client.
 */
const startsAProcess = (text: string) =>
  /from "(node:child_process|playwright-core)"/.test(text) ||
  /import \{[^}]*\b(startGateway|startBackendGateway|runCli|runClient|buildGoClient|run|binPath)\b[^}]*\} from/.test(text);

// The lists that `npm test` orders the files by and `npm run test:fast` leaves out.
describe("the test suite's own lists (test/support/slow-files.ts)", () => {
  it("every file that starts a process is a real-process file (left out of npm run test:fast)", () => {
    const starting = testFiles.filter((f) => startsAProcess(readFileSync(path.join(root, f), "utf8")));
    expect(starting.filter((f) => !realProcessFiles.includes(f))).toEqual([]);
    // and the detection finds them: the list is no longer than what it finds
    expect([...realProcessFiles].sort()).toEqual(starting);
  });

  it("names only files that exist", () => {
    expect(startFirst.filter((f) => !testFiles.includes(f))).toEqual([]);
    expect(new Set(startFirst).size).toBe(startFirst.length);
  });
});

// test/support/backends.ts hands a PGlite engine a suite has dropped, emptied, to the next suite.
describe("PGlite test databases, reused within a worker (test/support/backends.ts)", () => {
  const pglite = backends[0] as (typeof backends)[number];
  const rows = async <T>(db: TestDatabase, query: ReturnType<typeof sql>) =>
    ((await db.database.db.execute(query)) as unknown as { rows: T[] }).rows;
  const engineStart = async (db: TestDatabase) =>
    (await rows<{ t: string }>(db, sql`select pg_postmaster_start_time()::text as t`))[0]?.t;
  const auditRow = sql`insert into audit_log (actor_id, actor_name, dialect, action, subject)
    values ('a', 'a', 'admin', 'region.create', 's') returning id`;

  it("the next suite gets the same engine with nothing of the last one's: rows, identity sequences, session settings", async () => {
    const first = await pglite.open();
    await first.database.db.execute(sql`insert into catalog_state (id, version) values (1, 7)`);
    expect(await rows<{ id: number }>(first, auditRow)).toEqual([{ id: 1 }]);
    await first.database.db.execute(sql`set application_name = 'left behind'`);
    const engine = await engineStart(first);
    await first.drop();
    // what the suite still holds answers as a closed PGlite
    await expect(first.database.db.execute(sql`select 1`)).rejects.toMatchObject({ cause: { message: "PGlite is closed" } });

    const next = await pglite.open();
    try {
      expect(await engineStart(next)).toBe(engine);
      expect(await rows(next, sql`select * from catalog_state`)).toEqual([]);
      expect(await rows<{ id: number }>(next, auditRow)).toEqual([{ id: 1 }]);
      expect(await rows(next, sql`select current_setting('application_name') as v`)).toEqual([{ v: "" }]);
      // and the migrations are there, as in a fresh copy
      expect(await rows(next, sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).toEqual([
        { n: readdirSync(path.join(root, "drizzle")).filter((f) => f.endsWith(".sql")).length },
      ]);
    } finally {
      await next.drop();
    }
  });

  it("an engine whose schema a suite changed is closed, not handed out again", async () => {
    const changed = await pglite.open();
    const engine = await engineStart(changed);
    await changed.database.db.execute(sql`alter table regions add column left_behind int`);
    await changed.drop();
    const next = await pglite.open();
    try {
      expect(await engineStart(next)).not.toBe(engine);
      expect(await rows(next, sql`select column_name from information_schema.columns where column_name = 'left_behind'`)).toEqual(
        [],
      );
    } finally {
      await next.drop();
    }
  });
});
