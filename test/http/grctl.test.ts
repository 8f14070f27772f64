import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";
import { appWithReader, createRegion, jsonOf, type RainbondClient, readerToken, snapshotOf } from "./rainbond-support.ts";

const certs = testCertificates();
const success = { code: 200, msg: "success", msg_show: "更新成功", data: { bean: {}, list: [] } };
const replaceBody = (name: string, o: Record<string, unknown> = {}) => ({
  region_name: name,
  url: "https://10.20.0.1:8443",
  ws_url: "wss://10.20.0.1:6060",
  http_domain: "apps.rotated.example.com",
  tcp_domain: "10.20.0.1",
  ssl_ca_cert: certs.ca,
  cert_file: certs.cert,
  key_file: certs.key,
  ...o,
});

for (const backend of backends) {
  describe.skipIf(!backend.available)(`POST /openapi/v1/grctl/ip: grctl replace ip (${backend.name})`, () => {
    let t: TestApp;
    let rb: RainbondClient;
    let ks: ReturnType<typeof clients>["keystone"];
    const v2 = async (id: string) =>
      (await rb("GET", `/openapi/v2/manage/regions/${id}`)).json() as Promise<Record<string, unknown>>;
    beforeAll(async () => {
      t = await openTestApp(backend);
      ({ rainbond: rb, keystone: ks } = clients(t.app));
    });
    afterAll(() => t?.close());

    it("rotates endpoints and certificates; parent, locales, extras, alias, status and token kept; visible on /v3 and audited", async () => {
      expect((await ks("POST", "/v3/regions", { region: { id: "g-parent" } })).status).toBe(201);
      const created = await createRegion(rb, "g-1", { token: "region-token", status: "1" });
      const patched = await ks("PATCH", "/v3/regions/g-1", {
        region: { parent_region_id: "g-parent", locales: { "en-us": "East" }, email: "ops@example.com" },
      });
      expect(patched.status).toBe(200);

      const etagBefore = (await ks("GET", "/v3/regions/g-1")).headers.get("ETag");
      const res = await rb("POST", "/openapi/v1/grctl/ip", replaceBody("g-1"));
      expect(res.status).toBe(200);
      expect(await jsonOf(res)).toEqual(success);

      expect(await v2(created.region_id as string)).toMatchObject({
        region_alias: "g-1 集群",
        url: "https://10.20.0.1:8443",
        wsurl: "wss://10.20.0.1:6060",
        httpdomain: "apps.rotated.example.com",
        tcpdomain: "10.20.0.1",
        ssl_ca_cert: certs.ca,
        cert_file: certs.cert,
        key_file: certs.key,
        token: "region-token",
        status: "1",
      });
      // /v3 serves the new revision at once (its ETag moved), with parent, locales and extras kept
      const onV3 = await ks("GET", "/v3/regions/g-1");
      expect(onV3.headers.get("ETag")).not.toBe(etagBefore);
      const region = ((await onV3.json()) as { region: Record<string, unknown> }).region;
      expect(region).toMatchObject({ parent_region_id: "g-parent", email: "ops@example.com" });
      expect(region.locales).toMatchObject({ "en-us": "East" });

      const audit = (await (await ks("GET", "/admin/v1/audit?region=g-1&limit=1")).json()) as {
        entries: { action: string; dialect: string; after: Record<string, unknown> }[];
      };
      expect(audit.entries[0]).toMatchObject({ action: "region.update", dialect: "rainbond" });
      expect(audit.entries[0]?.after).toMatchObject({ apiUrl: "https://10.20.0.1:8443", clientKey: "[redacted]" });
    });

    it("a key omitted or sent empty keeps the stored value (the console would blank it)", async () => {
      const before = await v2(
        (await createRegion(rb, "g-2", { ssl_ca_cert: certs.ca, cert_file: certs.cert, key_file: certs.key }))
          .region_id as string,
      );
      const res = await rb("POST", "/openapi/v1/grctl/ip", { region_name: "g-2", url: "https://10.30.0.1:8443", ws_url: "" });
      expect(res.status).toBe(200);
      expect(await v2(before.region_id as string)).toEqual({ ...before, url: "https://10.30.0.1:8443" });
    });

    it("an explicit null clears a certificate and its key", async () => {
      const id = (await createRegion(rb, "g-3", { ssl_ca_cert: certs.ca, cert_file: certs.cert, key_file: certs.key })).region_id;
      expect((await rb("POST", "/openapi/v1/grctl/ip", { region_name: "g-3", cert_file: null, key_file: null })).status).toBe(
        200,
      );
      expect(await v2(id as string)).toMatchObject({ ssl_ca_cert: certs.ca, cert_file: null, key_file: null });
    });

    it("an unknown region: 404 in the console's words, nothing written", async () => {
      const before = await snapshotOf(rb);
      const res = await rb("POST", "/openapi/v1/grctl/ip", replaceBody("g-nowhere"));
      expect(res.status).toBe(404);
      expect(await jsonOf(res)).toEqual({ code: 404, msg: "region not found", msg_show: "数据中心不存在" });
      expect(await snapshotOf(rb)).toEqual(before);
    });

    it("bad input: the console's validation error, nothing written", async () => {
      await createRegion(rb, "g-4");
      const before = await snapshotOf(rb);
      const bad = await rb("POST", "/openapi/v1/grctl/ip", replaceBody("g-4", { url: "not a url", tcp_domain: "example.com" }));
      expect(bad.status).toBe(400);
      expect(await jsonOf(bad)).toEqual({
        detail: "参数错误",
        err: { url: ["集群API地址非法"], tcp_domain: ["TCP访问地址非法"] },
        code: 20400,
        error_type: "ValidationError",
      });
      const noName = await rb("POST", "/openapi/v1/grctl/ip", { url: "https://10.1.1.1:8443" });
      expect(noName.status).toBe(400);
      expect(((await noName.json()) as { err: unknown }).err).toEqual({ region_name: ["该字段是必填项。"] });
      expect(await snapshotOf(rb)).toEqual(before);
    });

    it("needs a credential (401) with write rights (403 for a reader)", async () => {
      await createRegion(rb, "g-5", { scope: "public" });
      const none = await rb("POST", "/openapi/v1/grctl/ip", replaceBody("g-5"), null);
      expect(none.status).toBe(401);
      const reader = clients(appWithReader(t)).rainbond;
      const denied = await reader("POST", "/openapi/v1/grctl/ip", replaceBody("g-5"), readerToken);
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ code: 403, msg_show: "您没有执行该操作的权限。" });
    });
  });
}
