import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";

const east = {
  region_id: "0123456789abcdef0123456789abcdef",
  region_name: "rb-east",
  region_alias: "华东",
  url: "https://10.1.0.1:8443",
  token: "region-token-east-secret",
  wsurl: "wss://10.1.0.1:6060",
  httpdomain: "apps.east.example.com",
  tcpdomain: "10.1.0.1",
  scope: "public",
  ssl_ca_cert: "-----BEGIN CERTIFICATE-----\nCA-EAST\n-----END CERTIFICATE-----",
  cert_file: "-----BEGIN CERTIFICATE-----\nCERT-EAST\n-----END CERTIFICATE-----",
  key_file: "-----BEGIN PRIVATE KEY-----\nKEY-EAST-SECRET\n-----END PRIVATE KEY-----",
  status: "1",
  desc: "east cluster",
  enterprise_id: "ent-1",
};
const west = {
  ...east,
  region_id: "fedcba9876543210fedcba9876543210",
  region_name: "rb-west",
  region_alias: "华西",
  token: null,
  key_file: null,
  scope: "private",
};

interface Report {
  written: boolean;
  dry_run: boolean;
  version: number;
  summary: Record<string, number>;
  created: string[];
  updated: { name: string; fields: string[] }[];
  unchanged: string[];
  rejected: { index: number; name: string | null; reason: string; record: unknown }[];
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`POST /admin/v1/import and GET /admin/v1/export (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    const post = (query: string, body: unknown, token: string | null = adminToken) =>
      t.app.request(`http://gw.test/admin/v1/import?${query}`, {
        method: "POST",
        body: typeof body === "string" ? body : JSON.stringify(body),
        headers: { "Content-Type": "application/json", ...(token ? { "X-Auth-Token": token } : {}) },
      });
    const exportDoc = async (query: string) => {
      const res = await t.app.request(`http://gw.test/admin/v1/export?${query}`, { headers: { "X-Auth-Token": adminToken } });
      expect(res.status).toBe(200);
      return res.json();
    };
    const names = () =>
      t.catalog
        .list()
        .map((r) => r.name)
        .sort();
    /** Runs `fn` and checks the catalogue (version and content) did not move. */
    const writesNothing = async (fn: () => Promise<void>) => {
      const version = t.catalog.version;
      const before = JSON.stringify(t.catalog.list());
      await fn();
      expect(t.catalog.version).toBe(version);
      expect(JSON.stringify(t.catalog.list())).toBe(before);
    };

    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    it("imports a Rainbond document in one transaction; the regions read back through both dialects", async () => {
      const res = await post("format=rainbond", [east, west]);
      expect(res.status).toBe(200);
      const report = (await res.json()) as Report;
      expect(report).toMatchObject({ written: true, created: ["rb-east", "rb-west"], updated: [], unchanged: [], rejected: [] });
      expect(report.summary).toEqual({ records: 2, created: 2, updated: 0, unchanged: 0, rejected: 0 });
      const v2 = await c.rainbond("GET", `/openapi/v2/manage/regions/${east.region_id}`);
      const { enterprise_id, ...v2Fields } = east;
      expect(await v2.json()).toEqual(v2Fields);
      const ks = await c.keystone("GET", "/v3/regions/rb-west");
      expect(await ks.json()).toEqual({
        region: {
          id: "rb-west",
          description: "east cluster",
          parent_region_id: null,
          type: "private",
          locales: { "zh-cn": "华西", "en-us": "rb-west" },
          links: { self: "http://gw.test/v3/regions/rb-west" },
        },
      });
    });

    it("a console v1-list record (no wsurl, httpdomain, tcpdomain) is created with those empty, never with stand-ins", async () => {
      const v1Record = {
        region_id: "aaaabbbbccccddddeeeeffff00001111",
        region_name: "v1-imp",
        region_alias: "V1导入",
        url: "https://10.9.9.9:8443",
        status: "1",
        desc: "d",
        scope: "public",
      };
      const res = await post("format=rainbond", [v1Record, { region_name: "name-only" }]);
      expect(res.status).toBe(200);
      const one = (await (await c.rainbond("GET", "/openapi/v1/regions/v1-imp")).json()) as Record<string, unknown>;
      expect(one).toMatchObject({ url: "https://10.9.9.9:8443", wsurl: "", httpdomain: "", tcpdomain: "", status: "1" });
      const bare = (await (await c.rainbond("GET", "/openapi/v1/regions/name-only")).json()) as Record<string, unknown>;
      expect(bare).toMatchObject({ url: "", wsurl: "", httpdomain: "", tcpdomain: "", region_alias: "name-only" });
      expect(JSON.stringify(t.catalog.list())).not.toMatch(/region\.invalid|0\.0\.0\.0/);
      await c.rainbond("DELETE", `/openapi/v2/manage/regions/${v1Record.region_id}`);
      await c.rainbond("DELETE", `/openapi/v2/manage/regions/${t.catalog.get("name-only")?.uid}`);
    });

    it("importing the same document again reports everything unchanged and writes nothing", async () => {
      await writesNothing(async () => {
        const res = await post("format=rainbond", [east, west]);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ written: false, created: [], updated: [], unchanged: ["rb-east", "rb-west"] });
      });
    });

    it("a dry run reports the changes and writes nothing", async () => {
      await writesNothing(async () => {
        const res = await post("format=rainbond&dry_run=true", [
          { ...east, desc: "changed", url: "https://10.9.9.9" },
          { ...west, region_name: "rb-new", region_id: "77777777777777777777777777777777" },
        ]);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({
          dry_run: true,
          written: false,
          created: ["rb-new"],
          updated: [{ name: "rb-east", fields: ["description", "apiUrl"] }],
        });
      });
    });

    it("a Keystone document: parents in any order; a Rainbond update keeps what Rainbond cannot say", async () => {
      const doc = {
        regions: [
          {
            id: "cn-north-1a",
            parent_region_id: "cn-north-1",
            description: "zone a",
            locales: { "zh-cn": "华北一A", "pt-br": "norte" },
            foo: "bar",
          },
          { id: "cn-north-1", parent_region_id: "cn", description: "China North 1" },
          { id: "cn", parent_region_id: null, description: "China" },
        ],
      };
      const res = await post("format=keystone", doc);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Report).created).toEqual(["cn", "cn-north-1", "cn-north-1a"]);
      const show = (await (await c.keystone("GET", "/v3/regions/cn-north-1a")).json()) as { region: Record<string, unknown> };
      expect(show.region).toMatchObject({
        parent_region_id: "cn-north-1",
        foo: "bar",
        locales: { "zh-cn": "华北一A", "pt-br": "norte", "en-us": "cn-north-1a" },
      });
      // the same document again: unchanged, though the stored locales never spelt out en-us
      expect(((await (await post("format=keystone", doc)).json()) as Report).unchanged).toEqual([
        "cn-north-1a",
        "cn-north-1",
        "cn",
      ]);
      // a Rainbond document for the same region completes its endpoints and keeps locales, parent, extras
      const rb = {
        region_name: "cn-north-1a",
        region_alias: "华北一A",
        url: "https://a.example.com",
        wsurl: "wss://a.example.com",
        httpdomain: "a.example.com",
        tcpdomain: "1.2.3.4",
        status: "1",
      };
      const upd = (await (await post("format=rainbond", [rb])).json()) as Report;
      expect(upd.updated).toEqual([{ name: "cn-north-1a", fields: ["status", "apiUrl", "wsUrl", "httpDomain", "tcpDomain"] }]);
      const after = (await (await c.keystone("GET", "/v3/regions/cn-north-1a")).json()) as { region: Record<string, unknown> };
      expect(after).toEqual(show);
    });

    it("a Keystone export made before en-us fell back to the id: importing it stores the old en-us (the README's migration note)", async () => {
      const created = await post("format=keystone", { regions: [{ id: "loc-old", locales: { "zh-cn": "旧区" } }] });
      expect(created.status).toBe(200);
      const shown = (await (await c.keystone("GET", "/v3/regions/loc-old")).json()) as { region: { locales: unknown } };
      expect(shown.region.locales).toEqual({ "zh-cn": "旧区", "en-us": "loc-old" });
      // the old export spelled en-us out as the alias: a stored locale now, shown as stored
      const old = { regions: [{ id: "loc-old", locales: { "zh-cn": "旧区", "en-us": "旧区" } }] };
      expect(((await (await post("format=keystone", old)).json()) as Report).updated).toEqual([
        { name: "loc-old", fields: ["locales"] },
      ]);
      const after = (await (await c.keystone("GET", "/v3/regions/loc-old")).json()) as { region: { locales: unknown } };
      expect(after.region.locales).toEqual({ "zh-cn": "旧区", "en-us": "旧区" });
      // a PATCH of locales without en-us drops it again
      expect((await c.keystone("PATCH", "/v3/regions/loc-old", { region: { locales: { "zh-cn": "旧区" } } })).status).toBe(200);
      const patched = (await (await c.keystone("GET", "/v3/regions/loc-old")).json()) as { region: { locales: unknown } };
      expect(patched.region.locales).toEqual({ "zh-cn": "旧区", "en-us": "loc-old" });
    });

    it("broken JSON and a document of another format are refused with 400, nothing written", async () => {
      await writesNothing(async () => {
        const broken = await post("format=rainbond", '[{"region_name": "x",');
        expect(broken.status).toBe(400);
        expect(((await broken.json()) as { error: { message: string } }).error.message).toMatch(/^not valid JSON: /);
        const wrong = await post("format=keystone", [east]);
        expect(wrong.status).toBe(400);
        expect(await wrong.json()).toEqual({
          error: {
            code: 400,
            title: "Bad Request",
            message: expect.stringContaining("the document looks like a rainbond document, not keystone"),
          },
        });
        expect((await post("format=yaml", [])).status).toBe(400);
        expect((await post("format=rainbond&mode=merge", [])).status).toBe(400);
      });
    });

    it("duplicate names, cycles, unknown parents and invalid records: 422 with the report, nothing written", async () => {
      await writesNothing(async () => {
        const res = await post("format=keystone", {
          regions: [
            { id: "new-ok", description: "fine on its own" },
            { id: "dup", description: "first" },
            { id: "dup", description: "second" },
            { id: "loop-a", parent_region_id: "loop-b" },
            { id: "loop-b", parent_region_id: "loop-a" },
            { id: "orphan", parent_region_id: "nowhere" },
            { id: "cn", parent_region_id: "cn-north-1a" },
            { id: "bad-type", type: "shared" },
          ],
        });
        expect(res.status).toBe(422);
        const report = (await res.json()) as Report;
        expect(report.written).toBe(false);
        expect(report.rejected.map((r) => [r.index, r.name, r.reason])).toEqual([
          [2, "dup", "duplicate name dup in the document (record 1 has it too)"],
          [3, "loop-a", "parent chain loops: loop-a → loop-b → loop-a"],
          [4, "loop-b", "parent chain loops: loop-b → loop-a → loop-b"],
          [5, "orphan", "parent region nowhere does not exist in the catalogue or the document"],
          [6, "cn", "parent chain loops: cn → cn-north-1a → cn-north-1 → cn"],
          [7, "bad-type", "type: is not one of ['public', 'private']"],
        ]);
        expect(report.rejected[0]?.record).toEqual({ id: "dup", description: "second" });
      });
      expect(names()).not.toContain("new-ok");
    });

    it("create-only refuses to change an existing region; an identical one is unchanged", async () => {
      await writesNothing(async () => {
        expect((await post("format=rainbond&mode=create-only", [east])).status).toBe(200);
        const res = await post("format=rainbond&mode=create-only", [{ ...east, desc: "other" }]);
        expect(res.status).toBe(422);
        expect(((await res.json()) as Report).rejected[0]?.reason).toBe(
          "region exists and differs (description); mode create-only does not update",
        );
      });
    });

    it("a region_id that differs from the stored uid is rejected (uids never change)", async () => {
      await writesNothing(async () => {
        const res = await post("format=rainbond", [{ ...east, region_id: "99999999999999999999999999999999" }]);
        expect(res.status).toBe(422);
        expect(((await res.json()) as Report).rejected[0]?.reason).toMatch(
          /^uid 9+ differs from the catalogue's 0123456789abcdef/,
        );
      });
    });

    it("exports every format; secrets only when asked", async () => {
      const plain = JSON.stringify(await exportDoc("format=rainbond"));
      expect(plain).toContain('"region_name":"rb-east"');
      expect(plain).not.toContain("KEY-EAST-SECRET");
      expect(plain).not.toContain("region-token-east-secret");
      const secret = (await exportDoc("format=rainbond&include_secrets=true")) as Record<string, unknown>[];
      expect(secret.find((r) => r.region_name === "rb-east")).toMatchObject({
        token: east.token,
        key_file: east.key_file,
        enterprise_id: "ent-1",
      });
      const ks = (await exportDoc("format=keystone")) as { regions: unknown[] };
      const v3 = (await (await c.keystone("GET", "/v3/regions")).json()) as { regions: unknown[] };
      expect(ks.regions).toEqual(v3.regions);
      const canonical = (await exportDoc("format=canonical")) as Record<string, unknown>[];
      expect(canonical.find((r) => r.name === "rb-east")).toMatchObject({
        uid: east.region_id,
        apiUrl: east.url,
        enterpriseId: "ent-1",
      });
      expect(JSON.stringify(canonical)).not.toContain("KEY-EAST-SECRET");
    });

    it("only admins: no token is a 401 in the Keystone shape", async () => {
      const res = await post("format=rainbond", [east], null);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(401);
      expect((await t.app.request("http://gw.test/admin/v1/export?format=rainbond")).status).toBe(401);
    });

    it("an export imported into a second gateway reads the same through /v3 and Rainbond, and exports the same", async () => {
      const second = await openTestApp(backend);
      try {
        const doc = await exportDoc("format=rainbond&include_secrets=true");
        const res = await second.app.request("http://gw.test/admin/v1/import?format=rainbond", {
          method: "POST",
          body: JSON.stringify(doc),
          headers: { "X-Auth-Token": adminToken },
        });
        expect(res.status, await res.clone().text()).toBe(200);
        const c2 = clients(second.app);
        // Rainbond carries no parents, locales or extras: the /v3 view differs exactly there
        const strip = (d: unknown) =>
          (d as { regions: Record<string, unknown>[] }).regions.map(({ id, description, type, locales }) => ({
            id,
            description,
            type,
            zh: (locales as Record<string, string>)["zh-cn"],
          }));
        expect(strip(await (await c2.keystone("GET", "/v3/regions")).json())).toEqual(
          strip(await (await c.keystone("GET", "/v3/regions")).json()),
        );
        const back = await second.app.request("http://gw.test/admin/v1/export?format=rainbond&include_secrets=true", {
          headers: { "X-Auth-Token": adminToken },
        });
        const sortByName = (d: unknown) =>
          [...(d as { region_name: string }[])].sort((a, b) => a.region_name.localeCompare(b.region_name));
        expect(sortByName(await back.json())).toEqual(sortByName(doc));
      } finally {
        await second.close();
      }
    });

    it("a body over the import limit (64 MiB) → 413 in the Keystone shape, naming that limit; nothing is written", async () => {
      await writesNothing(async () => {
        const res = await t.app.request("http://gw.test/admin/v1/import?format=rainbond", {
          method: "POST",
          body: new Uint8Array(64 * 1024 * 1024 + 1),
          headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken },
        });
        expect(res.status).toBe(413);
        expect(res.headers.get("Connection")).toBe("close");
        expect(await res.json()).toEqual({
          error: {
            code: 413,
            title: "Request Entity Too Large",
            message: "Request is too large. Larger than the import limit (67108864).",
          },
        });
      });
    });

    it("the audit trail records an import's certificates by their SHA-256 digest, secrets redacted; a single write keeps the text", async () => {
      const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
      type Entry = {
        action: string;
        dialect: string;
        before: Record<string, unknown> | null;
        after: Record<string, unknown> | null;
      };
      const audit = async (region: string) =>
        ((await (await c.keystone("GET", `/admin/v1/audit?region=${region}&limit=10`)).json()) as { entries: Entry[] }).entries;
      const north = { ...east, region_id: "0123456789abcdef0123456789abcd01", region_name: "rb-north" };
      expect((await post("format=rainbond", [north])).status).toBe(200);
      const [created] = await audit("rb-north");
      expect(created).toMatchObject({ action: "region.create", dialect: "admin", before: null });
      expect(created?.after).toMatchObject({
        name: "rb-north",
        caCert: sha(east.ssl_ca_cert),
        clientCert: sha(east.cert_file),
        clientKey: "[redacted]",
        regionToken: "[redacted]",
        apiUrl: east.url,
      });
      // an import that replaces the client certificate: its digest changes, the CA's does not
      const rotated = "-----BEGIN CERTIFICATE-----\nCERT-NORTH-2\n-----END CERTIFICATE-----";
      expect((await post("format=rainbond", [{ ...north, cert_file: rotated }])).status).toBe(200);
      const [updated] = await audit("rb-north");
      expect(updated?.action).toBe("region.update");
      expect(updated?.before).toMatchObject({ caCert: sha(east.ssl_ca_cert), clientCert: sha(east.cert_file), revision: 1 });
      expect(updated?.after).toMatchObject({ caCert: sha(east.ssl_ca_cert), clientCert: sha(rotated), revision: 2 });
      // no certificate text and no secret anywhere in the import's entries
      const text = JSON.stringify([created, updated]);
      for (const v of [east.ssl_ca_cert, east.cert_file, rotated, east.key_file, east.token])
        expect(text.includes(v)).toBe(false);
      // a write through a dialect records the certificate itself, as before
      const res = await c.keystone("PATCH", "/v3/regions/rb-north", { region: { description: "patched" } });
      expect(res.status).toBe(200);
      const [single] = await audit("rb-north");
      expect(single?.dialect).toBe("keystone");
      expect(single?.before).toMatchObject({ caCert: east.ssl_ca_cert, clientCert: rotated, clientKey: "[redacted]" });
      expect(single?.after).toMatchObject({ description: "patched", clientCert: rotated, clientKey: "[redacted]" });
    });

    it("a document sent in chunks with its Content-Length (as over a socket) imports as sent, Chinese split across chunks", async () => {
      const doc = Buffer.from(
        JSON.stringify(
          Array.from({ length: 40 }, (_, i) => ({
            name: `chunked-${i}`,
            alias: `分块区域 ${i}`,
            caCert: `-----BEGIN CERTIFICATE-----\n${"Q".repeat(300)}\n-----END CERTIFICATE-----`,
          })),
        ),
      );
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          // 7-byte pieces: most multi-byte characters are cut between two of them
          for (let i = 0; i < doc.length; i += 7) controller.enqueue(doc.subarray(i, i + 7));
          controller.close();
        },
      });
      const res = await t.app.request("http://gw.test/admin/v1/import?format=canonical", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json", "Content-Length": String(doc.length), "X-Auth-Token": adminToken },
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Report).summary.created).toBe(40);
      expect(t.catalog.get("chunked-39")?.alias).toBe("分块区域 39");
      expect(t.catalog.get("chunked-7")?.caCert).toBe(
        `-----BEGIN CERTIFICATE-----\n${"Q".repeat(300)}\n-----END CERTIFICATE-----`,
      );
    });

    it("2,000 regions (over the 1 MiB limit of the other routes) import in one call; the second run changes nothing", async () => {
      const many = Array.from({ length: 2000 }, (_, i) => ({
        region_name: `bulk-${String(i).padStart(4, "0")}`,
        region_alias: `批量 ${i}`,
        url: `https://bulk${i}.example.com:8443`,
        wsurl: `wss://bulk${i}.example.com:6060`,
        httpdomain: `apps${i}.example.com`,
        tcpdomain: "10.0.0.1",
        ssl_ca_cert: `-----BEGIN CERTIFICATE-----\n${"A".repeat(600)}\n-----END CERTIFICATE-----`,
        status: "1",
        desc: "bulk",
      }));
      const body = JSON.stringify(many);
      expect(body.length).toBeGreaterThan(1024 * 1024);
      const res = await post("format=rainbond", body);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Report).summary.created).toBe(2000);
      await writesNothing(async () => {
        expect(((await (await post("format=rainbond", body)).json()) as Report).summary.unchanged).toBe(2000);
      });
      // the other routes keep their 1 MiB limit
      const big = await c.keystone("POST", "/v3/regions", { region: { id: "big", description: "x".repeat(1024 * 1024) } });
      expect(big.status).toBe(413);
    });
  });
}
