import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { systemActor } from "../../src/domain/principal.ts";
import { newRegionInput } from "../../src/domain/region.ts";
import { revokeIssuedToken } from "../../src/identity/credential-service.ts";
import { backends, type TestDatabase, testSecretBox } from "../support/backends.ts";

const postgresBackend = backends.find((b) => b.name === "postgres");
if (!postgresBackend?.available) console.log("TEST_DATABASE_URL is not set: the reload race tests are skipped.");

/** The database as `inner`, with every NOTIFY it delivers recorded in `seen`. */
function recordingNotifications(inner: Database): { database: Database; seen: number[] } {
  const seen: number[] = [];
  const database: Database = {
    ...inner,
    listen: (onChange, onListening) =>
      inner.listen((version) => {
        seen.push(version);
        onChange(version);
      }, onListening),
  };
  return { database, seen };
}

/**
 * The database as `inner`, except that the first transaction reading identity data after
 * `pauseNextIdentityLoad()` holds its result (already read) until released: a reload that read
 * the database before a later commit and finishes after it.
 */
function gatedIdentityLoads(inner: Database) {
  let gate: { reached: () => void; released: Promise<void> } | null = null;
  const db = new Proxy(inner.db, {
    get(target, prop, receiver) {
      if (prop !== "transaction") return Reflect.get(target, prop, receiver);
      return (body: (tx: unknown) => Promise<unknown>, config?: unknown) =>
        target.transaction(async (tx) => {
          const result = await body(tx);
          if (gate && typeof result === "object" && result !== null && "credentials" in result) {
            const g = gate;
            gate = null;
            g.reached();
            await g.released;
          }
          return result;
        }, config as never);
    },
  });
  return {
    database: { ...inner, db } as Database,
    pauseNextIdentityLoad() {
      let release = () => {};
      const released = new Promise<void>((r) => {
        release = r;
      });
      const reached = new Promise<void>((r) => {
        gate = { reached: r, released };
      });
      return { reached, release };
    },
  };
}

describe.skipIf(!postgresBackend?.available)("reloads racing with commits (postgres)", () => {
  let db: TestDatabase;
  let locker: postgres.Sql;
  const extra: Database[] = [];
  const catalogs: Catalog[] = [];
  const second = async () => {
    const d = await openDatabase({ databaseUrl: db.url });
    extra.push(d);
    return d;
  };
  beforeAll(async () => {
    db = await (postgresBackend as NonNullable<typeof postgresBackend>).open();
    locker = postgres(db.url as string, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    for (const c of catalogs) await c.close();
    for (const d of extra) await d.close();
    await locker?.end();
    await db?.drop();
  });

  it("a NOTIFY that lands while a reload is running is not lost in it", async () => {
    const writer = await Catalog.open(db.database, { secretBox: testSecretBox });
    const { database, seen } = recordingNotifications(await second());
    // no poll: the notification alone must bring the change
    const reader = await Catalog.open(database, { secretBox: testSecretBox, pollIntervalMs: 0 });
    catalogs.push(writer, reader);

    // Hold the reader's next reload after it has read the regions (it waits on the credentials table)…
    const release = await locker.reserve();
    await release`begin`;
    await release`lock table credentials in access exclusive mode`;
    await writer.create(newRegionInput("race-a", "uid-race-a"));
    await vi.waitFor(
      async () => {
        const [row] = await locker`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        expect(row?.n).toBe(1);
      },
      { timeout: 5000, interval: 10 },
    );
    // …and commit another write whose NOTIFY reaches the reader while that reload is running.
    const b = await writer.create(newRegionInput("race-b", "uid-race-b"));
    const bVersion = writer.version;
    await vi.waitFor(() => expect(seen).toContain(bVersion), { timeout: 5000, interval: 10 });
    await release`commit`;
    release.release();

    await vi.waitFor(() => expect(reader.get("race-b")?.uid).toBe(b.uid), { timeout: 1000, interval: 10 });
    expect(reader.get("race-a")?.uid).toBe("uid-race-a");
    expect(reader.version).toBe(writer.version);
  });

  it("an identity reload that read before a later revocation does not undo it", async () => {
    const gated = gatedIdentityLoads(await second());
    const catalog = await Catalog.open(gated.database, { secretBox: testSecretBox, pollIntervalMs: 0 });
    catalogs.push(catalog);
    const exp = Date.now() + 3_600_000;

    // The first revocation's identity reload reads the database, then is held…
    const held = gated.pauseNextIdentityLoad();
    const first = revokeIssuedToken(catalog, systemActor, "token-one", exp);
    await held.reached;
    // …while a second revocation commits and is applied.
    await revokeIssuedToken(catalog, systemActor, "token-two", exp);
    expect(catalog.identity().revokedTokens.has("token-two")).toBe(true);
    held.release();
    await first;

    expect(catalog.identity().revokedTokens.has("token-one")).toBe(true);
    expect(catalog.identity().revokedTokens.has("token-two")).toBe(true);
  });
});
