import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";

const certs = testCertificates();
// a line of the private key's base64: what would show if the key leaked in any encoding of the JSON
const keySecret = certs.key.split("\n")[1] as string;
const rainbondRegion = {
  region_name: "rb-east",
  region_alias: "华东",
  url: "https://10.1.0.1:8443",
  wsurl: "wss://10.1.0.1:6060",
  httpdomain: "apps.east.example.com",
  tcpdomain: "10.1.0.1",
  scope: "public",
  desc: "east cluster",
  ssl_ca_cert: certs.ca,
  cert_file: certs.cert,
  key_file: certs.key,
  token: "region-token-east-secret",
  status: "1",
};

for (const backend of backends) {
  describe.skipIf(!backend.available)(`across the dialects (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    it("a region added through Rainbond reads back through /v3 at once, without secrets", async () => {
      const created = await c.rainbond("POST", "/openapi/v2/manage/regions", rainbondRegion);
      expect(created.status).toBe(201);
      const show = await c.keystone("GET", "/v3/regions/rb-east");
      expect(show.status).toBe(200);
      expect(await show.json()).toEqual({
        region: {
          id: "rb-east",
          description: "east cluster",
          parent_region_id: null,
          type: "public",
          locales: { "zh-cn": "华东", "en-us": "rb-east" },
          links: { self: "http://gw.test/v3/regions/rb-east" },
        },
      });
      const list = await (await c.keystone("GET", "/v3/regions")).text();
      expect(list).toContain('"id":"rb-east"');
      for (const secret of [keySecret, "region-token-east-secret"]) expect(list).not.toContain(secret);
    });

    it('a region created through /v3 shows in Rainbond with empty endpoints and status "0"', async () => {
      const res = await c.keystone("POST", "/v3/regions", {
        region: { id: "ks-west", description: "from keystone", locales: { "zh-cn": "西部", "pt-br": "oeste" }, foo: "bar" },
      });
      expect(res.status).toBe(201);
      const { region_id } = (await (await c.rainbond("GET", "/openapi/v1/regions/ks-west")).json()) as { region_id: string };
      const v2 = await c.rainbond("GET", `/openapi/v2/manage/regions/${region_id}`);
      expect(await v2.json()).toEqual({
        region_id,
        region_name: "ks-west",
        region_alias: "西部",
        url: "",
        token: null,
        wsurl: "",
        httpdomain: "",
        tcpdomain: "",
        scope: "public",
        ssl_ca_cert: null,
        cert_file: null,
        key_file: null,
        status: "0",
        desc: "from keystone",
      });
    });

    it("a Rainbond PUT completes the region and keeps locales, parent and extras", async () => {
      await c.keystone("POST", "/v3/regions", { region: { id: "ks-parent" } });
      await c.keystone("PATCH", "/v3/regions/ks-west", { region: { parent_region_id: "ks-parent" } });
      const { region_id } = (await (await c.rainbond("GET", "/openapi/v1/regions/ks-west")).json()) as { region_id: string };
      const put = await c.rainbond("PUT", `/openapi/v2/manage/regions/${region_id}`, {
        region_alias: "西部集群",
        url: "https://10.2.0.1:8443",
        wsurl: "wss://10.2.0.1:6060",
        httpdomain: "apps.west.example.com",
        tcpdomain: "10.2.0.1",
        status: 1,
      });
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({ url: "https://10.2.0.1:8443", status: "1", region_alias: "西部集群" });
      const ks = (await (await c.keystone("GET", "/v3/regions/ks-west")).json()) as { region: Record<string, unknown> };
      expect(ks.region).toMatchObject({
        parent_region_id: "ks-parent",
        foo: "bar",
        locales: { "zh-cn": "西部", "en-us": "ks-west", "pt-br": "oeste" },
        description: "from keystone",
      });
    });

    it("a Keystone PATCH keeps endpoints, certificates and the region token", async () => {
      const patch = await c.keystone("PATCH", "/v3/regions/rb-east", { region: { description: "patched", type: "private" } });
      expect(patch.status).toBe(200);
      const body = await patch.text();
      expect(body).not.toContain(keySecret);
      const list = (await (await c.rainbond("GET", "/openapi/v2/manage/regions")).json()) as {
        data: Array<Record<string, unknown>>;
      };
      const east = list.data.find((r) => r.region_name === "rb-east");
      expect(east).toMatchObject({
        desc: "patched",
        scope: "private",
        url: rainbondRegion.url,
        wsurl: rainbondRegion.wsurl,
        ssl_ca_cert: rainbondRegion.ssl_ca_cert,
        cert_file: rainbondRegion.cert_file,
        key_file: rainbondRegion.key_file,
        token: rainbondRegion.token,
        status: "1",
      });
    });

    it("a Rainbond DELETE of a parent cascades to its children, as Keystone does", async () => {
      await c.keystone("POST", "/v3/regions", { region: { id: "tree-root" } });
      await c.keystone("POST", "/v3/regions", { region: { id: "tree-leaf", parent_region_id: "tree-root" } });
      const { region_id } = (await (await c.rainbond("GET", "/openapi/v1/regions/tree-root")).json()) as {
        region_id: string;
      };
      expect((await c.rainbond("DELETE", `/openapi/v2/manage/regions/${region_id}`)).status).toBe(200);
      expect((await c.keystone("GET", "/v3/regions/tree-leaf")).status).toBe(404);
    });

    it("concurrent creates of one name through both dialects give exactly one success", async () => {
      const rb = (i: number) =>
        c.rainbond("POST", i % 2 ? "/openapi/v1/regions" : "/openapi/v2/manage/regions", {
          ...rainbondRegion,
          region_name: "contested",
        });
      const ks = () => c.keystone("POST", "/v3/regions", { region: { id: "contested" } });
      const responses = await Promise.all([rb(0), ks(), rb(1), ks(), rb(2), ks(), rb(3), ks()]);
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      for (const [i, r] of responses.entries()) {
        if (r.status === 201) continue;
        const body = await r.json();
        if (i % 2 === 0) {
          expect(r.status).toBe(400);
          expect(body).toMatchObject({ code: 20400, err: { region_name: ["具有 region name 的 region config 已存在。"] } });
        } else {
          expect(r.status).toBe(409);
          expect(body).toEqual({
            error: {
              code: 409,
              title: "Conflict",
              message: "Conflict occurred attempting to store region - Duplicate ID, contested..",
            },
          });
        }
      }
      const all = (await (await c.keystone("GET", "/v3/regions?name=contested")).json()) as { regions: unknown[] };
      expect(all.regions).toHaveLength(1);
    });
  });
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`concurrent Keystone PATCHes (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());

    it("PATCHes adding different extra properties at once all keep theirs", async () => {
      const c = clients(t.app);
      await c.keystone("POST", "/v3/regions", { region: { id: "merged" } });
      const keys = ["a", "b", "c", "d", "e", "f"];
      const results = await Promise.all(keys.map((k, i) => c.keystone("PATCH", "/v3/regions/merged", { region: { [k]: i } })));
      expect(results.map((r) => r.status)).toEqual(keys.map(() => 200));
      const { region } = (await (await c.keystone("GET", "/v3/regions/merged")).json()) as { region: Record<string, unknown> };
      expect(region).toMatchObject({ a: 0, b: 1, c: 2, d: 3, e: 4, f: 5 });
    });
  });
}
