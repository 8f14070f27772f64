import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { createApp } from "../../src/http/app.ts";
import { createAuthenticator } from "../../src/identity/authenticator.ts";
import { backends, type TestDatabase, testSecretBox } from "../support/backends.ts";
import { adminToken, clients } from "../support/test-app.ts";

const postgresBackend = backends.find((b) => b.name === "postgres");
if (!postgresBackend?.available) console.log("TEST_DATABASE_URL is not set: the two-instance tests are skipped.");

/** One gateway instance: its own connection pool, LISTEN connection and snapshot. */
async function instance(database: Database) {
  // no version poll: what reaches this instance reaches it through NOTIFY alone
  const catalog = await Catalog.open(database, { secretBox: testSecretBox, pollIntervalMs: 0 });
  const app = createApp({
    catalog,
    database,
    secretBox: testSecretBox,
    auth: createAuthenticator({ identity: () => catalog.identity(), secretBox: testSecretBox, adminToken }),
  });
  return { catalog, c: clients(app) };
}

/** Milliseconds until `check` holds, polling every 5 ms; fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.skipIf(!postgresBackend?.available)("two gateway instances on one PostgreSQL", () => {
  let db: TestDatabase;
  let otherDb: Database;
  let a: Awaited<ReturnType<typeof instance>>;
  let b: Awaited<ReturnType<typeof instance>>;
  beforeAll(async () => {
    db = await (postgresBackend as NonNullable<typeof postgresBackend>).open();
    otherDb = await openDatabase({ databaseUrl: db.url });
    a = await instance(db.database);
    b = await instance(otherDb);
  });
  afterAll(async () => {
    await a?.catalog.close();
    await b?.catalog.close();
    await otherDb?.close();
    await db?.drop();
  });

  for (const round of [1, 2, 3]) {
    it(`a credential revoked on B after a burst of writes is refused on A within 1 s (round ${round})`, async () => {
      const created = await b.c.keystone("POST", "/admin/v1/credentials", { type: "token", role: "reader" });
      expect(created.status).toBe(201);
      const { id, token } = (await created.json()) as { id: string; token: string };
      const acceptedOnA = async () => (await a.c.keystone("GET", "/v3/regions", undefined, token)).status === 200;
      await within(1000, acceptedOnA);

      const names = Array.from({ length: 48 }, (_, i) => `burst-${round}-${i}`);
      const writes = names.map((name) => b.c.keystone("POST", "/v3/regions", { region: { id: name } }));
      const revoked = b.c.keystone("DELETE", `/admin/v1/credentials/${id}`);
      expect((await Promise.all(writes)).map((r) => r.status)).toEqual(names.map(() => 201));
      expect((await revoked).status).toBe(204);

      await within(1000, async () => !(await acceptedOnA()));
      await within(1000, async () => {
        const res = await a.c.keystone("GET", "/v3/regions");
        const seen = new Set(((await res.json()) as { regions: { id: string }[] }).regions.map((r) => r.id));
        return names.every((n) => seen.has(n));
      });
      expect((await a.c.keystone("GET", "/v3/regions", undefined, token)).status).toBe(401);
    });
  }
});
