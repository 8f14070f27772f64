import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";
import { createRegion, putBody, type RainbondClient } from "./rainbond-support.ts";

type Client = (
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
  headers?: Record<string, string>,
) => Promise<Response>;

for (const backend of backends) {
  describe.skipIf(!backend.available)(`ETag, If-Match and If-None-Match (${backend.name})`, () => {
    let t: TestApp;
    let rb: RainbondClient;
    let ks: Client;
    let rbh: Client;
    let readerToken: string;
    const request =
      (auth: "X-Auth-Token" | "Authorization"): Client =>
      async (method, path, body, token = "test-admin-token", headers = {}) =>
        await t.app.request(`http://gw.test${path}`, {
          method,
          headers: {
            ...(token ? { [auth]: token } : {}),
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            ...headers,
          },
          body: body === undefined ? null : JSON.stringify(body),
        });
    const keystoneError = (code: number) => ({ error: { code, title: "Precondition Failed", message: expect.any(String) } });
    beforeAll(async () => {
      t = await openTestApp(backend);
      rb = clients(t.app).rainbond;
      ks = request("X-Auth-Token");
      rbh = request("Authorization");
      readerToken = (await createCredential(t, { type: "token", role: "reader" })).token as string;
    });
    afterAll(() => t?.close());

    describe("/v3/regions/{id}", () => {
      it("GET: If-None-Match with the ETag (strong or weak) is a 304 without a body; another tag a 200", async () => {
        const created = await ks("POST", "/v3/regions", { region: { id: "e-1" } });
        const etag = created.headers.get("ETag") as string;
        expect(etag).toMatch(/^"[0-9a-f]{32}\.\d+"$/);
        const get = await ks("GET", "/v3/regions/e-1");
        expect(get.headers.get("ETag")).toBe(etag);
        for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
          const res = await ks("GET", "/v3/regions/e-1", undefined, undefined, { "If-None-Match": tag });
          expect(res.status).toBe(304);
          expect(res.headers.get("ETag")).toBe(etag);
          expect(await res.text()).toBe("");
        }
        expect((await ks("GET", "/v3/regions/e-1", undefined, undefined, { "If-None-Match": '"other"' })).status).toBe(200);
        const head = await ks("HEAD", "/v3/regions/e-1", undefined, undefined, { "If-None-Match": etag });
        expect(head.status).toBe(304);
      });

      it("PATCH and DELETE with a stale If-Match: 412 in Keystone's shape, nothing written; with the current one they go through", async () => {
        const etag = (await ks("GET", "/v3/regions/e-1")).headers.get("ETag") as string;
        const ok = await ks("PATCH", "/v3/regions/e-1", { region: { description: "one" } }, undefined, { "If-Match": etag });
        expect(ok.status).toBe(200);
        const next = ok.headers.get("ETag") as string;
        expect(next).not.toBe(etag);
        const stale = await ks("PATCH", "/v3/regions/e-1", { region: { description: "two" } }, undefined, { "If-Match": etag });
        expect(stale.status).toBe(412);
        expect(await stale.json()).toEqual(keystoneError(412));
        expect(t.catalog.get("e-1")?.description).toBe("one");
        const weak = await ks("PATCH", "/v3/regions/e-1", { region: { description: "two" } }, undefined, {
          "If-Match": `W/${next}`,
        });
        expect(weak.status).toBe(412);
        expect((await ks("DELETE", "/v3/regions/e-1", undefined, undefined, { "If-Match": etag })).status).toBe(412);
        expect(t.catalog.get("e-1")).toBeDefined();
        expect((await ks("DELETE", "/v3/regions/e-1", undefined, undefined, { "If-Match": next })).status).toBe(204);
      });

      it("If-None-Match: * on create: 412 when the region exists (PUT and POST), 201 when it does not", async () => {
        const put = await ks("PUT", "/v3/regions/e-2", { region: {} }, undefined, { "If-None-Match": "*" });
        expect(put.status).toBe(201);
        const again = await ks("PUT", "/v3/regions/e-2", { region: {} }, undefined, { "If-None-Match": "*" });
        expect(again.status).toBe(412);
        expect(await again.json()).toEqual(keystoneError(412));
        expect((await ks("POST", "/v3/regions", { region: { id: "e-2" } }, undefined, { "If-None-Match": "*" })).status).toBe(
          412,
        );
        // without the header: Keystone's own 409
        expect((await ks("POST", "/v3/regions", { region: { id: "e-2" } })).status).toBe(409);
        expect(
          (await ks("PATCH", "/v3/regions/e-2", { region: { description: "x" } }, undefined, { "If-Match": "*" })).status,
        ).toBe(200);
      });
    });

    describe("/openapi/v2/manage/regions/{region_id} and /openapi/v1/regions/{id}", () => {
      it("GET one: ETag and 304 in both versions", async () => {
        const created = await createRegion(rb, "e-rb", { scope: "public" });
        const path = `/openapi/v2/manage/regions/${created.region_id}`;
        const etag = (await rbh("GET", path)).headers.get("ETag") as string;
        expect(etag).toMatch(/^".+\.\d+"$/);
        expect((await rbh("GET", path, undefined, undefined, { "If-None-Match": etag })).status).toBe(304);
        expect((await rbh("GET", "/openapi/v1/regions/e-rb", undefined, undefined, { "If-None-Match": etag })).status).toBe(304);
      });

      it("PUT and DELETE with a stale If-Match: 412 in the console's shape, nothing written", async () => {
        const id = t.catalog.get("e-rb")?.uid as string;
        const path = `/openapi/v2/manage/regions/${id}`;
        const etag = (await rbh("GET", path)).headers.get("ETag") as string;
        const put = await rbh("PUT", path, putBody({ region_alias: "first" }), undefined, { "If-Match": etag });
        expect(put.status).toBe(200);
        const stale = await rbh("PUT", path, putBody({ region_alias: "second" }), undefined, { "If-Match": etag });
        expect(stale.status).toBe(412);
        const body = (await stale.json()) as Record<string, unknown>;
        expect(body).toEqual({ detail: body.msg, code: 412, msg: body.msg, msg_show: body.msg });
        expect(body.msg).toMatch(/If-Match/);
        expect(t.catalog.get("e-rb")?.alias).toBe("first");
        expect((await rbh("DELETE", path, undefined, undefined, { "If-Match": etag })).status).toBe(412);
        expect((await rbh("DELETE", path, undefined, undefined, { "If-Match": put.headers.get("ETag") as string })).status).toBe(
          200,
        );
      });

      it("POST with If-None-Match: * when the name exists: 412", async () => {
        await createRegion(rb, "e-rb2");
        const res = await rbh(
          "POST",
          "/openapi/v2/manage/regions",
          {
            region_name: "e-rb2",
            region_alias: "x",
            url: "https://1.2.3.4:8443",
            wsurl: "wss://1.2.3.4:6060",
            httpdomain: "a.b",
            tcpdomain: "1.2.3.4",
          },
          undefined,
          { "If-None-Match": "*" },
        );
        expect(res.status).toBe(412);
      });
    });

    describe("lists: an ETag of what this caller sees", () => {
      const lists: [string, Client, string][] = [];
      beforeAll(() => {
        lists.push(
          ["/v3/regions", ks, "/v3/regions"],
          ["v1 list", rbh, "/openapi/v1/regions"],
          ["v2 list", rbh, "/openapi/v2/manage/regions"],
        );
      });

      it("304 while nothing the caller sees changes; a private region's change is invisible to a reader; a visible change is a 200", async () => {
        await ks("POST", "/v3/regions", { region: { id: "l-pub", type: "public" } });
        await ks("POST", "/v3/regions", { region: { id: "l-priv", type: "private" } });
        for (const [, client, path] of lists) {
          const first = await client("GET", path, undefined, readerToken);
          expect(first.status).toBe(200);
          const etag = first.headers.get("ETag") as string;
          expect(etag).toMatch(/^"l-[\w-]+"$/);
          const again = await client("GET", path, undefined, readerToken, { "If-None-Match": etag });
          expect(again.status, `${path} ${etag} ${again.headers.get("ETag")}`).toBe(304);
          // a write the reader cannot see: the catalogue version moves, the reader's list does not
          expect((await ks("PATCH", "/v3/regions/l-priv", { region: { description: `${path}` } })).status).toBe(200);
          const unchanged = await client("GET", path, undefined, readerToken, { "If-None-Match": etag });
          expect(
            unchanged.status,
            `${path}: ${(await (await client("GET", path, undefined, readerToken)).text()).slice(0, 600)}`,
          ).toBe(304);
          expect(await unchanged.text()).toBe("");
          // the admin sees the private region: its list did change
          const adminEtag = (await client("GET", path)).headers.get("ETag");
          expect(adminEtag).not.toBe(etag);
          expect((await ks("PATCH", "/v3/regions/l-pub", { region: { description: `${path}` } })).status).toBe(200);
          const changed = await client("GET", path, undefined, readerToken, { "If-None-Match": etag });
          expect(changed.status).toBe(200);
          expect(changed.headers.get("ETag")).not.toBe(etag);
        }
      });
    });
  });
}
