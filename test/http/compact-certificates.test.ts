import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { openDatabase } from "../../src/db/client.ts";
import { certificateDigest } from "../../src/domain/audit.ts";
import { isCompact } from "../../src/domain/compact-pem.ts";
import { backends, testSecretBox } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody, jsonOf, putBody } from "./rainbond-support.ts";

/**
 * The snapshot holds a region's certificates and key as bytes when they are canonical PEM
 * (domain/compact-pem.ts). Nothing a caller reads may differ for it: every dialect's answers, the
 * exports, the audit trail and the certificate report show the text as it was written, and a
 * write that changes something else (the alias, the endpoints) keeps them, whichever dialect
 * makes it; so does a reload, and another instance's catch-up.
 */

const certs = testCertificates();
type Texts = { ca: string | null; cert: string | null; key: string | null };
// canonical PEM as openssl writes it (held as bytes), a CA bundle of two blocks (the same), and
// a bundle with CRLF line ends (not canonical: kept as the string it is) beside canonical ones
const single: Texts = { ca: certs.ca, cert: certs.cert, key: certs.key };
const bundle: Texts = { ca: `${certs.ca}\n${certs.foreign}`, cert: certs.cert, key: certs.key };
const crlf: Texts = { ca: `${certs.ca}\n${certs.foreign}`.replaceAll("\n", "\r\n"), cert: certs.cert, key: certs.key };

/** The first object in `json` (depth first) whose `key` is `value`: each answer has its own envelope. */
function recordIn(json: unknown, key: string, value: string): Record<string, unknown> | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  if ((json as Record<string, unknown>)[key] === value) return json as Record<string, unknown>;
  for (const v of Object.values(json)) {
    const found = recordIn(v, key, value);
    if (found) return found;
  }
  return undefined;
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`certificates held as bytes read as written (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    const get = async (path: string) => {
      const res = await c.keystone("GET", path);
      expect(res.status, path).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const rainbond = async (path: string) => {
      const res = await c.rainbond("GET", path);
      expect(res.status, path).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };

    /** Every way a caller reads the region's certificates and key shows `want`, exactly. */
    async function expectEverywhere(catalog: Catalog, name: string, want: Texts, alias: string, imported = false) {
      const r = catalog.get(name);
      expect(r && isCompact(r), "held as bytes").toBe(true);
      expect([r?.caCert, r?.clientCert, r?.clientKey, r?.alias]).toEqual([want.ca, want.cert, want.key, alias]);
      const wire = { ssl_ca_cert: want.ca, cert_file: want.cert, key_file: want.key, region_alias: alias };

      const v1List = await rainbond("/openapi/v1/regions");
      expect(recordIn(v1List, "region_name", name)).toMatchObject(wire);
      expect(recordIn(await rainbond(`/openapi/v1/regions/${name}`), "region_name", name)).toMatchObject(wire);
      const item = recordIn(await rainbond("/openapi/v2/manage/regions?current=1&pageSize=100"), "region_name", name);
      expect(item).toMatchObject(wire);
      expect(recordIn(await rainbond(`/openapi/v2/manage/regions/${item?.region_id}`), "region_name", name)).toMatchObject(wire);

      const canonicalExport = await get("/admin/v1/export?format=canonical&include_secrets=true");
      expect(recordIn(canonicalExport, "name", name)).toMatchObject({
        caCert: want.ca,
        clientCert: want.cert,
        clientKey: want.key,
        alias,
      });
      const rainbondExport = await get("/admin/v1/export?format=rainbond&include_secrets=true");
      expect(recordIn(rainbondExport, "region_name", name)).toMatchObject(wire);

      const audit = (await get(`/admin/v1/audit?region=${name}&limit=1`)) as { entries: { after: Record<string, unknown> }[] };
      // an import's audit entries show certificates by their digest (docs/design.md, Writes)
      const shown = (v: string | null) => (imported && v !== null ? certificateDigest(v) : v);
      expect(audit.entries[0]?.after).toMatchObject({
        caCert: shown(want.ca),
        clientCert: shown(want.cert),
        clientKey: "[redacted]",
        alias,
      });

      expect(recordIn(await get("/admin/v1/regions/health"), "region", name)).toMatchObject({
        cert: { subject: "CN=client" },
        ca: { subject: "CN=ca" },
        key_matches_cert: true,
      });
    }

    it("an import's regions: its answer and the reads right after show the text as given, and so do they once packed", async () => {
      const names = ["imp-1", "imp-2", "imp-3"];
      const doc = names.map((name, i) => ({
        name,
        alias: `导入 ${i}`,
        caCert: i === 2 ? crlf.ca : certs.ca,
        clientCert: certs.cert,
        clientKey: certs.key,
        regionToken: `token-${i}`,
      }));
      const imported = await c.keystone("POST", "/admin/v1/import?format=canonical", doc);
      expect(imported.status).toBe(200);
      const page = "/openapi/v2/manage/regions?current=0";
      const before = await (await c.rainbond("GET", page)).text();
      const etag = (await c.rainbond("GET", page)).headers.get("ETag");
      for (let waited = 0; !names.every((n) => isCompact(t.catalog.get(n) ?? ({} as never))) && waited < 5000; waited += 10) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const [i, name] of names.entries()) {
        const r = t.catalog.get(name);
        expect(r && isCompact(r), name).toBe(true);
        expect([r?.caCert, r?.clientCert, r?.clientKey]).toEqual([doc[i]?.caCert, certs.cert, certs.key]);
      }
      const after = await c.rainbond("GET", page);
      expect(after.headers.get("ETag")).toBe(etag);
      expect(await after.text()).toBe(before);
      await expectEverywhere(t.catalog, "imp-1", single, "导入 0", true);
      await expectEverywhere(t.catalog, "imp-3", { ...single, ca: crlf.ca }, "导入 2", true);
    });

    it.each([
      ["canonical PEM", "pem-a", single],
      ["a canonical CA bundle", "pem-b", bundle],
      ["a CRLF CA bundle beside canonical PEM", "pem-c", crlf],
    ])(
      "%s: through a write of each dialect that changes something else, a reload and another instance",
      async (_, name, want) => {
        const created = await c.rainbond(
          "POST",
          "/openapi/v2/manage/regions?force=true",
          addBody(name, { ssl_ca_cert: want.ca, cert_file: want.cert, key_file: want.key }),
        );
        expect(created.status).toBe(201);
        const { region_id } = (await jsonOf(created)) as { region_id: string };
        await expectEverywhere(t.catalog, name, want, `${name} 集群`);

        // Keystone: the display name only (locales' zh-cn is the alias)
        const patched = await c.keystone("PATCH", `/v3/regions/${name}`, { region: { locales: { "zh-cn": "新名字" } } });
        expect(patched.status).toBe(200);
        await expectEverywhere(t.catalog, name, want, "新名字");

        // Rainbond v2 PUT without the certificate keys: they keep their value
        const put = await c.rainbond("PUT", `/openapi/v2/manage/regions/${region_id}`, putBody({ region_alias: "第三个" }));
        expect(put.status).toBe(200);
        await expectEverywhere(t.catalog, name, want, "第三个");

        // grctl replace ip: the endpoint only
        const grctl = await c.rainbond("POST", "/openapi/v1/grctl/ip", { region_name: name, url: "https://10.9.9.9:8443" });
        expect(grctl.status).toBe(200);
        await expectEverywhere(t.catalog, name, want, "第三个");
        expect(t.catalog.get(name)?.apiUrl).toBe("https://10.9.9.9:8443");

        // a whole load from the database
        await t.catalog.reload();
        await expectEverywhere(t.catalog, name, want, "第三个");

        // another instance on the same database: a whole load, then what the change feed brings
        if (backend.name === "postgres" && t.db.url) {
          const otherDb = await openDatabase({ databaseUrl: t.db.url });
          const other = await Catalog.open(otherDb, { secretBox: testSecretBox, pollIntervalMs: 20 });
          try {
            expect(JSON.stringify(other.get(name))).toBe(JSON.stringify(t.catalog.get(name)));
            expect((await c.keystone("PATCH", `/v3/regions/${name}`, { region: { description: "seen elsewhere" } })).status).toBe(
              200,
            );
            for (let waited = 0; other.version < t.catalog.version && waited < 5000; waited += 20) {
              await new Promise((r) => setTimeout(r, 20));
            }
            const seen = other.get(name);
            expect(seen && isCompact(seen)).toBe(true);
            expect(seen?.description).toBe("seen elsewhere");
            expect(JSON.stringify(seen)).toBe(JSON.stringify(t.catalog.get(name)));
            expect([seen?.caCert, seen?.clientCert, seen?.clientKey]).toEqual([want.ca, want.cert, want.key]);
          } finally {
            await other.close();
            await otherDb.close();
          }
        }
      },
    );
  });
}
