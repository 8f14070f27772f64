import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { createRegionCodec, loadRegions } from "../../src/db/regions-repo.ts";
import { GatewayError } from "../../src/domain/errors.ts";
import { newRegionInput, type RegionInput } from "../../src/domain/region.ts";
import { backends, type TestDatabase, testSecretBox } from "../support/backends.ts";

const loadCatalog = (db: TestDatabase["database"]["db"]) =>
  db.transaction((tx) => loadRegions(tx, createRegionCodec(testSecretBox)));

const region = (name: string, extra: Partial<RegionInput> = {}): RegionInput => ({
  ...newRegionInput(name, `uid-${name}`),
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a GatewayError");
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`catalogue storage (${backend.name})`, () => {
    let db: TestDatabase;
    let catalog: Catalog;
    beforeAll(async () => {
      db = await backend.open();
      catalog = await Catalog.open(db.database, { secretBox: testSecretBox });
    });
    afterAll(async () => {
      await catalog?.close();
      await db?.drop();
    });

    it("stores every canonical field and reads it back from the database", async () => {
      const full = region("full", {
        alias: "全字段",
        locales: { "zh-cn": "全字段", "pt-br": "completo" },
        description: "every field",
        scope: "public",
        status: "maintenance",
        apiUrl: "https://10.0.0.1:8443",
        wsUrl: "wss://10.0.0.1:6060",
        httpDomain: "apps.example.com",
        tcpDomain: "10.0.0.1",
        caCert: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----",
        clientCert: "CERT",
        clientKey: "KEY",
        regionToken: "TOKEN",
        enterpriseId: "ent-1",
        extra: { enabled: true, nested: { a: [1, 2] } },
      });
      const created = await catalog.create(full);
      expect(created).toMatchObject({ ...full, revision: 1 });
      expect(Date.parse(created.createdAt)).not.toBeNaN();
      const fromDb = (await loadCatalog(db.database.db)).regions.find((r) => r.name === "full");
      expect(fromDb).toEqual(created);
      expect(catalog.get("full")).toEqual(created);
      expect(catalog.getByUid("uid-full")).toEqual(created);
    });

    it("keeps the client key and region token sealed (AES-256-GCM) in the database", async () => {
      const raw = await db.database.db.execute(sql`select client_key, region_token, ca_cert from regions where name = 'full'`);
      const row = (Array.isArray(raw) ? raw[0] : (raw as { rows: unknown[] }).rows[0]) as Record<string, string>;
      expect(row.client_key).toMatch(/^v1:/);
      expect(row.region_token).toMatch(/^v1:/);
      expect(JSON.stringify(row)).not.toContain("KEY");
      expect(JSON.stringify(row)).not.toContain("TOKEN");
      expect(row.ca_cert).toContain("CA"); // certificates are public material, stored as given
    });

    it("bumps the revision and the catalogue version on every write", async () => {
      const before = catalog.version;
      await catalog.create(region("rev"));
      const updated = await catalog.update("rev", { description: "changed" });
      expect(updated.revision).toBe(2);
      expect(updated.description).toBe("changed");
      expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(updated.createdAt));
      expect(catalog.version).toBe(before + 2);
      expect((await loadCatalog(db.database.db)).version).toBe(catalog.version);
    });

    it("refuses a duplicate name or uid and leaves the first region untouched", async () => {
      await catalog.create(region("dup", { description: "first" }));
      const byName = await failure(catalog.create({ ...region("dup"), uid: "another-uid" }));
      expect(byName.code).toBe("conflict");
      expect(byName.conflictOn).toBe("name");
      const byUid = await failure(catalog.create({ ...region("other"), uid: "uid-dup" }));
      expect(byUid.conflictOn).toBe("uid");
      expect(catalog.get("dup")?.description).toBe("first");
      expect(catalog.get("other")).toBeUndefined();
    });

    it("refuses an unknown parent and a cycle, and changes nothing", async () => {
      expect((await failure(catalog.create(region("orphan", { parentName: "nope" })))).code).toBe("not_found");
      await catalog.create(region("p1"));
      await catalog.create(region("p2", { parentName: "p1" }));
      await catalog.create(region("p3", { parentName: "p2" }));
      const self = await failure(catalog.update("p1", { parentName: "p1" }));
      expect(self.code).toBe("cycle");
      const loop = await failure(catalog.update("p1", { parentName: "p3" }));
      expect(loop.code).toBe("cycle");
      expect(loop.subject).toBe("p1");
      expect(catalog.get("p1")?.parentName).toBeNull();
      expect((await loadCatalog(db.database.db)).regions.find((r) => r.name === "p1")?.revision).toBe(1);
    });

    it("deletes a region with its whole subtree", async () => {
      await catalog.create(region("t1"));
      await catalog.create(region("t2", { parentName: "t1" }));
      await catalog.create(region("t3", { parentName: "t2" }));
      await catalog.create(region("t-other"));
      const deleted = await catalog.remove("t1");
      expect(deleted.map((r) => r.name).sort()).toEqual(["t1", "t2", "t3"]);
      const names = (await loadCatalog(db.database.db)).regions.map((r) => r.name);
      expect(names).not.toContain("t2");
      expect(names).toContain("t-other");
      expect(catalog.get("t3")).toBeUndefined();
      expect((await failure(catalog.remove("t1"))).code).toBe("not_found");
    });

    it("a write addressed by uid refuses a region re-created under the same name since", async () => {
      await catalog.create(region("reborn"));
      const oldUid = catalog.get("reborn")?.uid as string;
      await catalog.remove("reborn");
      await catalog.create({ ...region("reborn"), uid: "uid-reborn-2" });
      expect((await failure(catalog.update("reborn", { description: "x" }, undefined, oldUid))).code).toBe("not_found");
      expect((await failure(catalog.remove("reborn", undefined, oldUid))).code).toBe("not_found");
      expect(catalog.get("reborn")?.uid).toBe("uid-reborn-2");
      expect(catalog.get("reborn")?.description).toBe("");
    });

    it("gives exactly one success to concurrent creates of one name", async () => {
      const attempts = Array.from({ length: 12 }, (_, i) => catalog.create({ ...region("race"), uid: `race-${i}` }));
      const results = await Promise.allSettled(attempts);
      const ok = results.filter((r) => r.status === "fulfilled");
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(ok).toHaveLength(1);
      expect(failed.every((r) => r.reason instanceof GatewayError && r.reason.code === "conflict")).toBe(true);
      expect((await loadCatalog(db.database.db)).regions.filter((r) => r.name === "race")).toHaveLength(1);
    });

    it("a bulk insert (imports) keeps in memory exactly what a load reads back, and one audit entry per region", async () => {
      // jsonb reorders object keys (shorter first): the regions in memory must follow the database
      const inputs = Array.from({ length: 1_203 }, (_, i) =>
        region(`bulk-${String(i).padStart(4, "0")}`, {
          parentName: i % 10 === 0 ? null : `bulk-${String(i - (i % 10)).padStart(4, "0")}`,
          locales: { "zh-cn": `区域 ${i}`, en: `Region ${i}`, "pt-br": `Região ${i}` },
          extra: { zeta: i, a: { long_key: [1, "two"], b: null } },
          clientKey: i % 2 ? `KEY-${i}` : null,
          regionToken: `TOKEN-${i}`,
          caCert: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----",
        }),
      );
      const before = (await db.database.db.execute(sql`select count(*)::int as n from audit_log`)) as unknown;
      const auditBefore = (Array.isArray(before) ? before : (before as { rows: { n: number }[] }).rows)[0].n as number;
      await catalog.store.write("import", { id: "test", name: "test", dialect: "admin" }, ({ regions }) =>
        regions.insertMany(inputs),
      );
      const inMemory = catalog
        .list()
        .filter((r) => r.name.startsWith("bulk-"))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const loaded = (await loadCatalog(db.database.db)).regions.filter((r) => r.name.startsWith("bulk-"));
      expect(loaded.map((r) => r.name)).toEqual(inMemory.map((r) => r.name));
      expect(JSON.stringify(inMemory)).toBe(JSON.stringify(loaded));
      expect(inMemory[3]?.clientKey).toBe("KEY-3");
      const after = (await db.database.db.execute(sql`select count(*)::int as n from audit_log`)) as unknown;
      const auditAfter = (Array.isArray(after) ? after : (after as { rows: { n: number }[] }).rows)[0].n as number;
      expect(auditAfter - auditBefore).toBe(inputs.length);
      const [entry] = await catalog.audit({ subject: "bulk-0003", limit: 1 });
      expect(entry?.action).toBe("region.create");
      expect(entry?.after).toMatchObject({ name: "bulk-0003", clientKey: "[redacted]", regionToken: "[redacted]" });
      expect(entry?.after).toEqual(
        JSON.parse(JSON.stringify({ ...inMemory[3], clientKey: "[redacted]", regionToken: "[redacted]" })),
      );
    });

    it("a bulk insert whose later statement fails while the next is already sent writes nothing, and the store writes on", async () => {
      const version = catalog.version;
      const before = JSON.stringify(catalog.list());
      // chunks of 3: the third chunk repeats a name of the first; the fourth is sent meanwhile
      const inputs = Array.from({ length: 12 }, (_, i) => region(`piped-${i === 7 ? 1 : i}`, { uid: `uid-piped-${i}` }));
      const failed = await catalog.store
        .write("import", { id: "test", name: "test", dialect: "admin" }, ({ regions }) => regions.insertMany(inputs, 3))
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failed).toBeInstanceOf(GatewayError);
      expect((failed as GatewayError).code).toBe("conflict");
      expect(catalog.version).toBe(version);
      expect(JSON.stringify(catalog.list())).toBe(before);
      expect((await loadCatalog(db.database.db)).regions.some((r) => r.name.startsWith("piped-"))).toBe(false);
      // the connection and the store are fine: the same import without the repeat goes through
      const fixed = inputs.map((r, i) => (i === 7 ? region("piped-7", { uid: "uid-piped-7" }) : r));
      await catalog.store.write("import", { id: "test", name: "test", dialect: "admin" }, ({ regions }) =>
        regions.insertMany(fixed, 3),
      );
      expect(catalog.list().filter((r) => r.name.startsWith("piped-"))).toHaveLength(12);
    });

    it("a second catalogue on the same database sees the first one's writes after reload", async () => {
      // it hears no notification (on PostgreSQL it would catch up by itself, sometimes before the assertion below)
      const other = await Catalog.open({ ...db.database, listen: async () => null }, { secretBox: testSecretBox });
      await catalog.create(region("seen-by-other"));
      expect(other.get("seen-by-other")).toBeUndefined();
      await other.reload();
      expect(other.get("seen-by-other")?.uid).toBe("uid-seen-by-other");
      await other.close();
    });
  });
}
