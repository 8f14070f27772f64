import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import type { CatalogOptions } from "../../src/catalog/store.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { changeLogKept, recordChange } from "../../src/db/regions-repo.ts";
import { systemActor } from "../../src/domain/principal.ts";
import { newRegionInput, type RegionInput } from "../../src/domain/region.ts";
import { createCredential, revoke, revokeIssuedToken } from "../../src/identity/credential-service.ts";
import { backends, type TestDatabase, testSecretBox } from "../support/backends.ts";

const postgresBackend = backends.find((b) => b.name === "postgres");
if (!postgresBackend?.available) console.log("TEST_DATABASE_URL is not set: the incremental update tests are skipped.");

const waitFor = { timeout: 5000, interval: 10 };

/** The database as `inner`, with its change notifications never delivered (a lost NOTIFY). */
const deaf = (inner: Database): Database => ({
  ...inner,
  listen: (_onChange, onListening) => inner.listen(() => {}, onListening),
});

const input = (name: string, more: Partial<RegionInput> = {}): RegionInput => ({
  ...newRegionInput(name, `uid-${name}`),
  ...more,
});

/** What a client of each instance would be served: every region, in order, with every field. */
const served = (c: Catalog) => JSON.stringify(c.list());

// Two gateway instances on one PostgreSQL database. A writes; B loads what A's write changed
// (the change log and the rows it names), or the whole catalogue when the log cannot say.
describe.skipIf(!postgresBackend?.available)("incremental updates across instances (postgres)", () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  const databases: Database[] = [];
  const catalogs: Catalog[] = [];
  const open = async (options: Partial<CatalogOptions> = {}, wrap = (d: Database) => d) => {
    const d = await openDatabase({ databaseUrl: db.url });
    databases.push(d);
    const c = await Catalog.open(wrap(d), { secretBox: testSecretBox, pollIntervalMs: 0, ...options });
    catalogs.push(c);
    return c;
  };
  /** A change B can only see by reading the region again: neither versioned nor logged nor notified. */
  const quietly = (name: string, description: string) =>
    sql`update regions set description = ${description} where name = ${name}`;

  beforeAll(async () => {
    db = await (postgresBackend as NonNullable<typeof postgresBackend>).open();
    sql = postgres(db.url as string, { max: 1, onnotice: () => {} });
  });
  afterEach(async () => {
    for (const c of catalogs.splice(0)) await c.close();
    for (const d of databases.splice(0)) await d.close();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it("creates, updates and deletes on A are served by B, which loads only the regions they name", async () => {
    const a = await open();
    const b = await open();
    await a.create(input("inc-parent", { scope: "public" }));
    await a.create(input("inc-child", { parentName: "inc-parent", locales: { "en-us": "Child" } }));
    await a.create(input("inc-other", { description: "as created" }));
    await vi.waitFor(() => expect(b.version).toBe(a.version), waitFor);
    expect(served(b)).toBe(served(a));

    // only what a version names is read again: a row changed behind every gateway's back stays as B has it
    await quietly("inc-other", "changed behind the gateways' back");
    await a.update("inc-child", { description: "updated on A", extra: { tier: "gold" } });
    await vi.waitFor(() => expect(b.get("inc-child")?.description).toBe("updated on A"), waitFor);
    expect(b.get("inc-child")).toEqual(a.get("inc-child"));
    expect(b.get("inc-other")?.description).toBe("as created");

    // a delete takes the subtree with it
    await a.remove("inc-parent");
    await vi.waitFor(() => expect(b.version).toBe(a.version), waitFor);
    expect(b.get("inc-parent")).toBeUndefined();
    expect(b.get("inc-child")).toBeUndefined();
    expect(b.getByUid("uid-inc-child")).toBeUndefined();
    expect(served(b)).toBe(served(a));
  });

  it("a region deleted and created again, or renamed (same uid, new name) in one version, is served as A serves it", async () => {
    const a = await open();
    const b = await open();
    await a.create(input("inc-again"));
    await a.create(input("inc-old-name"));
    await a.create(input("inc-last"));
    await vi.waitFor(() => expect(b.version).toBe(a.version), waitFor);

    await a.remove("inc-again");
    await a.create({ ...input("inc-again"), uid: "uid-inc-again-2" });
    // a rename at the storage level: the same uid under another name, in one write
    await a.store.write("rename", systemActor, async ({ regions }) => {
      await regions.deleteTree("inc-old-name");
      await regions.insert({ ...input("inc-new-name"), uid: "uid-inc-old-name" });
    });
    await vi.waitFor(() => expect(b.version).toBe(a.version), waitFor);

    expect(b.get("inc-again")?.uid).toBe("uid-inc-again-2");
    expect(b.getByUid("uid-inc-again")).toBeUndefined();
    expect(b.get("inc-old-name")).toBeUndefined();
    expect(b.getByUid("uid-inc-old-name")?.name).toBe("inc-new-name");
    expect(served(b)).toBe(served(a));
    // the order a whole load gives (creation time, then name)
    const fresh = await open();
    expect(served(b)).toBe(served(fresh));
  });

  it("credentials, their revocation and token revocations written on A are in force on B", async () => {
    const a = await open();
    const b = await open();
    await a.create(input("inc-granted"));
    const created = await createCredential(a, testSecretBox, systemActor, {
      type: "token",
      role: "reader",
      name: "inc-reader",
      private_regions: ["inc-granted"],
    });
    await vi.waitFor(() => expect(b.identity().credentials.map((c) => c.id)).toContain(created.id), waitFor);
    expect(b.identity().credentials.find((c) => c.id === created.id)?.privateRegions).toEqual(["inc-granted"]);

    // deleting a region withdraws its grants in the same write
    await a.remove("inc-granted");
    await vi.waitFor(() => expect(b.get("inc-granted")).toBeUndefined(), waitFor);
    expect(b.identity().credentials.find((c) => c.id === created.id)?.privateRegions).toEqual([]);

    await revokeIssuedToken(a, systemActor, "inc-token", Date.now() + 3_600_000);
    await vi.waitFor(() => expect(b.identity().revokedTokens.has("inc-token")).toBe(true), waitFor);

    await revoke(a, systemActor, created.id);
    await vi.waitFor(() => expect(b.identity().credentials.map((c) => c.id)).not.toContain(created.id), waitFor);
    expect(b.version).toBe(a.version);
  });

  it("a missed notification converges through the version poll, from the change log", async () => {
    const a = await open();
    const b = await open({ pollIntervalMs: 50 }, deaf);
    await a.create(input("inc-polled", { description: "first" }));
    await vi.waitFor(() => expect(b.get("inc-polled")?.description).toBe("first"), waitFor);
    await quietly("inc-polled", "quiet");
    await a.create(input("inc-polled-2"));
    await vi.waitFor(() => expect(b.get("inc-polled-2")).toBeDefined(), waitFor);
    // loaded from the log: the region it does not name is as B had it
    expect(b.get("inc-polled")?.description).toBe("first");
    expect(b.version).toBe(a.version);
    expect(b.behindMs()).toBe(0);
  });

  it("versions the change log cannot account for are loaded whole: pruned, too large to list, or written without it", async () => {
    const a = await open();
    // B hears nothing and never polls: it catches up when it writes (read-your-writes)
    const b = await open({}, deaf);
    const bumpVersion = async (logged: "null" | "none") =>
      sql.begin(async (tx) => {
        const [state] = await tx`update catalog_state set version = version + 1 where id = 1 returning version`;
        if (logged === "null") await tx`insert into catalog_changes (version, regions) values (${Number(state?.version)}, null)`;
      });

    // versions B missed that the log no longer holds (pruned)
    await a.create(input("inc-whole"));
    await quietly("inc-whole", "seen by a whole load (pruned)");
    await a.create(input("inc-whole-2"));
    await sql`delete from catalog_changes`;
    await b.create(input("inc-whole-b1"));
    expect(b.get("inc-whole")?.description).toBe("seen by a whole load (pruned)");
    expect(b.get("inc-whole-2")).toBeDefined();

    // a version too large to list (an import of thousands of regions) names none
    await quietly("inc-whole", "seen by a whole load (too large)");
    await bumpVersion("null");
    await b.create(input("inc-whole-b2"));
    expect(b.get("inc-whole")?.description).toBe("seen by a whole load (too large)");

    // a version written without an entry (an older gateway)
    await quietly("inc-whole", "seen by a whole load (unlogged)");
    await bumpVersion("none");
    await b.create(input("inc-whole-b3"));
    expect(b.get("inc-whole")?.description).toBe("seen by a whole load (unlogged)");

    // and the log takes over again once it covers what B missed
    await quietly("inc-whole", "not seen: no version names it");
    await a.create(input("inc-whole-3"));
    await b.create(input("inc-whole-b4"));
    expect(b.get("inc-whole-3")).toBeDefined();
    expect(b.get("inc-whole")?.description).toBe("seen by a whole load (unlogged)");
    const [state] = await sql`select version::int as v from catalog_state`;
    expect(b.version).toBe(state?.v);
  });

  it("a database that went back (a failover that lost the last commit) is read whole once it passes the version B holds", async () => {
    const a = await open();
    const b = await open();
    await a.create(input("gb-lost"));
    await vi.waitFor(() => expect(b.get("gb-lost")).toBeDefined(), waitFor);
    // the promoted replica never received the last write: its version, its region, its log entry
    await sql.begin(async (tx) => {
      const [state] = await tx`select version::int as v from catalog_state where id = 1`;
      await tx`delete from regions where name = 'gb-lost'`;
      await tx`delete from catalog_changes where version = ${Number(state?.v)}`;
      await tx`update catalog_state set version = version - 1, changed_at = changed_at - interval '1 second' where id = 1`;
    });
    // other writes take that version number and the next, each logged as a gateway logs it
    const write = (name: string) =>
      sql.begin(async (tx) => {
        const [state] = await tx`update catalog_state set version = version + 1, changed_at = clock_timestamp()
          where id = 1 returning version::int as v`;
        await tx`insert into regions (uid, name, alias) values (${`uid-${name}`}, ${name}, ${name})`;
        await tx`insert into catalog_changes (version, regions, changed_at)
          select version, ${[name]}, changed_at from catalog_state where id = 1`;
        await tx`select pg_notify('region_gateway_catalog', ${String(state?.v)})`;
      });
    await write("gb-taken-over");
    await write("gb-next");
    await vi.waitFor(() => expect(b.get("gb-next")).toBeDefined(), waitFor);
    expect(b.get("gb-taken-over")?.uid).toBe("uid-gb-taken-over");
    expect(b.get("gb-lost")).toBeUndefined();
  });

  it("a write on an instance behind another's write answers with both (read-your-writes)", async () => {
    // A hears nothing: when it writes, its snapshot is a version behind the database
    const a = await open({}, deaf);
    const b = await open();
    await b.create(input("inc-first"));
    expect(a.get("inc-first")).toBeUndefined();
    await a.create(input("inc-second"));
    expect(a.get("inc-first")?.uid).toBe("uid-inc-first");
    expect(a.get("inc-second")?.uid).toBe("uid-inc-second");
    const [state] = await sql`select version::int as v from catalog_state`;
    expect(a.version).toBe(state?.v);
  });

  it("tells the metrics how long the change took to reach B", async () => {
    const propagated: number[] = [];
    const a = await open();
    const b = await open({ observer: { propagated: (ms) => propagated.push(ms) } });
    await a.create(input("inc-timed"));
    await vi.waitFor(() => expect(propagated.length).toBe(1), waitFor);
    expect(propagated[0]).toBeGreaterThanOrEqual(0);
    expect(b.behindMs()).toBe(0);
    // B's own writes are not propagation
    await b.create(input("inc-timed-own"));
    await vi.waitFor(() => expect(a.version).toBe(b.version), waitFor);
    expect(propagated.length).toBe(1);
  });

  it(`the change log keeps the last ${changeLogKept} versions, pruned by the writers`, async () => {
    await sql`delete from catalog_changes`;
    await sql`insert into catalog_changes (version, regions) select v, '{}' from generate_series(1, 150) v`;
    // every 100th version prunes; others do not
    await db.database.db.transaction((tx) => recordChange(tx, changeLogKept + 99, ["x"], false));
    expect((await sql`select count(*)::int as n from catalog_changes`)[0]?.n).toBe(151);
    await db.database.db.transaction((tx) => recordChange(tx, changeLogKept + 100, ["x"], true));
    const rows = await sql`select min(version)::int as lo, count(*)::int as n from catalog_changes`;
    expect(rows[0]).toEqual({ lo: 101, n: 52 });
  });
});
