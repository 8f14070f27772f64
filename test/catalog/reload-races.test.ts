import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
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
  /** releases the credentials table (holdCredentialReads), if a test failed holding it */
  let held: (() => Promise<void>) | null = null;
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
  afterEach(async () => {
    // each test starts with no other instance listening and nothing held
    await held?.();
    for (const c of catalogs.splice(0)) await c.close();
  });
  afterAll(async () => {
    for (const d of extra) await d.close();
    await locker?.end();
    await db?.drop();
  });

  /** Holds every read of the credentials table until the returned function is called. */
  async function holdCredentialReads(): Promise<() => Promise<void>> {
    const holder = await locker.reserve();
    await holder`begin`;
    await holder`lock table credentials in access exclusive mode`;
    held = async () => {
      held = null;
      await holder`commit`;
      holder.release();
    };
    return held;
  }

  /** Waits until `n` sessions of this database wait for a lock. */
  async function lockWaiters(n: number): Promise<void> {
    await vi.waitFor(
      async () => {
        const [row] = await locker`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        expect(row?.n).toBe(n);
      },
      { timeout: 5000, interval: 10 },
    );
  }

  /**
   * A region created as a gateway would (version bumped, NOTIFY), straight in SQL, with or
   * without its entry in the change log (an older gateway writes none). Resolves to its version.
   */
  async function sqlWrite(name: string, logged: boolean): Promise<number> {
    return locker.begin(async (tx) => {
      const [state] = await tx`insert into catalog_state (id, version) values (1, 1)
        on conflict (id) do update set version = catalog_state.version + 1 returning version`;
      const version = Number(state?.version);
      await tx`insert into regions (uid, name, alias) values (${`uid-${name}`}, ${name}, ${name})`;
      if (logged) await tx`insert into catalog_changes (version, regions) values (${version}, ${[name]})`;
      await tx`select pg_notify('region_gateway_catalog', ${String(version)})`;
      return version;
    });
  }

  it("a NOTIFY that lands while a whole reload is running is not lost in it", async () => {
    const { database, seen } = recordingNotifications(await second());
    // no poll: the notification alone must bring the change
    const reader = await Catalog.open(database, { secretBox: testSecretBox, pollIntervalMs: 0 });
    catalogs.push(reader);

    // A version the change log does not cover (written without it, as an older gateway would):
    // the reader reloads everything, and that reload is held after it has read the regions (it
    // waits on the credentials table)…
    const release = await holdCredentialReads();
    await sqlWrite("race-a", false);
    await lockWaiters(1);
    // …and another write commits, whose NOTIFY reaches the reader while that reload is running.
    const bVersion = await sqlWrite("race-b", true);
    await vi.waitFor(() => expect(seen).toContain(bVersion), { timeout: 5000, interval: 10 });
    await release();

    await vi.waitFor(() => expect(reader.get("race-b")?.uid).toBe("uid-race-b"), { timeout: 1000, interval: 10 });
    expect(reader.get("race-a")?.uid).toBe("uid-race-a");
    expect(reader.version).toBe(bVersion);
  });

  it("a NOTIFY that lands while a load of the changes is running is not lost in it", async () => {
    const writer = await Catalog.open(db.database, { secretBox: testSecretBox });
    const { database, seen } = recordingNotifications(await second());
    const reader = await Catalog.open(database, { secretBox: testSecretBox, pollIntervalMs: 0 });
    catalogs.push(writer, reader);
    const exp = Date.now() + 3_600_000;

    // A revocation: the reader's load of that change reads the credentials (as does the writer's
    // own), and is held there…
    const release = await holdCredentialReads();
    const revoked = revokeIssuedToken(writer, systemActor, "token-held", exp);
    await lockWaiters(2);
    // …while another write commits and its NOTIFY reaches the reader.
    const c = await writer.create(newRegionInput("race-c", "uid-race-c"));
    const cVersion = writer.version;
    await vi.waitFor(() => expect(seen).toContain(cVersion), { timeout: 5000, interval: 10 });
    expect(reader.get("race-c")).toBeUndefined();
    await release();
    await revoked;

    await vi.waitFor(() => expect(reader.get("race-c")?.uid).toBe(c.uid), { timeout: 1000, interval: 10 });
    expect(reader.identity().revokedTokens.has("token-held")).toBe(true);
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
