import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { clients, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";
import {
  addBody,
  appWithReader,
  CA,
  CERT,
  createRegion,
  hex32,
  jsonOf,
  KEY,
  namesOf,
  putBody,
  readerToken,
  required,
  snapshotOf,
  v2ItemKeys,
} from "./rainbond-support.ts";

// a renewal of CERT for the same KEY
const RENEWED = testCertificates().renewed;
const getMissing = { msg: "数据中心不存在" };
const writeMissing = { msg: "修改的数据中心不存在" };

for (const backend of backends) {
  describe.skipIf(!backend.available)(`Rainbond /openapi/v2/manage (${backend.name})`, () => {
    let t: TestApp;
    let rb: ReturnType<typeof clients>["rainbond"];
    let ks: ReturnType<typeof clients>["keystone"];
    beforeAll(async () => {
      t = await openTestApp(backend);
      ({ rainbond: rb, keystone: ks } = clients(t.app));
    });
    afterAll(() => t?.close());

    describe("POST /openapi/v2/manage/regions", () => {
      it("201 with the v2 item (no enterprise_id); region_id generated; status '1'; secrets echoed to the manager", async () => {
        const res = await rb(
          "POST",
          "/openapi/v2/manage/regions",
          addBody("v2-post", { token: "rt", ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, desc: "描述", scope: "public" }),
          manageToken,
        );
        expect(res.status).toBe(201);
        const body = (await jsonOf(res)) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(v2ItemKeys);
        expect(body.region_id).toMatch(hex32);
        expect(body).toEqual({
          region_id: body.region_id,
          region_name: "v2-post",
          region_alias: "v2-post 集群",
          url: "https://region.goodrain.me:8443",
          token: "rt",
          wsurl: "wss://region.goodrain.me:6060",
          httpdomain: "apps.goodrain.me",
          tcpdomain: "47.92.1.2",
          scope: "public",
          ssl_ca_cert: CA,
          cert_file: CERT,
          key_file: KEY,
          status: "1",
          desc: "描述",
        });
        // GET shows exactly what POST answered
        expect(await (await rb("GET", `/openapi/v2/manage/regions/${body.region_id}`)).json()).toEqual(body);
      });

      it("each generated region_id is new", async () => {
        const a = await createRegion(rb, "v2-gen-a");
        const b = await createRegion(rb, "v2-gen-b");
        expect(a.region_id).toMatch(hex32);
        expect(b.region_id).toMatch(hex32);
        expect(a.region_id).not.toBe(b.region_id);
      });

      it("keeps a given region_id; status 0 (the documents' integer) is '0'", async () => {
        const body = await createRegion(rb, "v2-keep", { region_id: "kept-id", status: 0 });
        expect(body).toMatchObject({ region_id: "kept-id", status: "0" });
      });

      it("validation, duplicate name and duplicate id are 400 and store nothing", async () => {
        await createRegion(rb, "v2-exists", { region_id: "v2-exists-id" });
        const before = await snapshotOf(rb);
        const cases: [Record<string, unknown>, Record<string, string[]>][] = [
          [
            {},
            Object.fromEntries(
              ["region_name", "region_alias", "url", "wsurl", "httpdomain", "tcpdomain"].map((f) => [f, [required]]),
            ),
          ],
          [addBody("v2-x", { wsurl: "ws://rbd-api:6060" }), { wsurl: ["集群Websocket地址非法"] }],
          [addBody("v2-x", { status: true }), { status: ["不是有效的字符串。"] }],
          [addBody("n".repeat(65), { region_alias: "x" }), { region_name: ["请确保这个字段不能超过 64 个字符。"] }],
          [addBody("v2-x", { region_alias: null }), { region_alias: ["该字段不能为 null。"] }],
          [addBody("v2-exists"), { region_name: ["具有 region name 的 region config 已存在。"] }],
          [addBody("v2-x", { region_id: "v2-exists-id" }), { region_id: ["具有 region id 的 region config 已存在。"] }],
        ];
        for (const [body, err] of cases) {
          const res = await rb("POST", "/openapi/v2/manage/regions", body);
          expect(res.status).toBe(400);
          expect(await jsonOf(res)).toEqual({ detail: "参数错误", err, code: 20400, error_type: "ValidationError" });
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("two concurrent adds of one name: one 201, one 400 duplicate", async () => {
        const answers = await Promise.all([1, 2].map(() => rb("POST", "/openapi/v2/manage/regions", addBody("v2-race"))));
        expect(answers.map((r) => r.status).sort()).toEqual([201, 400]);
        const loser = answers.find((r) => r.status === 400) as Response;
        expect(await loser.json()).toMatchObject({ err: { region_name: ["具有 region name 的 region config 已存在。"] } });
        expect((await namesOf(rb)).filter((n) => n === "v2-race")).toHaveLength(1);
      });
    });

    describe("GET /openapi/v2/manage/regions", () => {
      let p: TestApp;
      let prb: ReturnType<typeof clients>["rainbond"];
      const names = ["pg-alpha", "pg-beta", "pg-gamma", "pg-delta", "pg-epsilon"];
      beforeAll(async () => {
        // a catalogue of its own, so totals are exact
        p = await openTestApp(backend);
        prb = clients(p.app).rainbond;
        for (const n of names) await createRegion(prb, n, { region_alias: `Alias ${n.slice(3).toUpperCase()}` });
      });
      afterAll(() => p?.close());

      const list = async (qs: string) => {
        const res = await prb("GET", `/openapi/v2/manage/regions${qs}`);
        expect(res.status).toBe(200);
        const body = (await jsonOf(res)) as { total: number; data: Record<string, unknown>[] };
        expect(Object.keys(body)).toEqual(["total", "data"]);
        return { total: body.total, names: body.data.map((d) => d.region_name) };
      };

      it.each([
        ["", { total: 5, names }],
        ["?current=1&pageSize=2", { total: 5, names: ["pg-alpha", "pg-beta"] }],
        ["?current=3&pageSize=2", { total: 5, names: ["pg-epsilon"] }],
        ["?current=4&pageSize=2", { total: 5, names: [] }],
        ["?current=0&pageSize=2", { total: 5, names }],
        ["?current=2&pageSize=0", { total: 5, names }],
        ["?current=abc&pageSize=", { total: 5, names }],
        ["?query=gam", { total: 1, names: ["pg-gamma"] }],
        ["?query=Alias%20D", { total: 1, names: ["pg-delta"] }],
        ["?query=GAMMA", { total: 1, names: ["pg-gamma"] }],
        ["?query=Gamma", { total: 0, names: [] }],
        ["?query=pg-&current=2&pageSize=2", { total: 5, names: ["pg-gamma", "pg-delta"] }],
        ["?query=ta&pageSize=1&current=2", { total: 2, names: ["pg-delta"] }],
        ["?query=", { total: 5, names }],
      ])("GET ...regions%s", async (qs, expected) => {
        expect(await list(qs)).toEqual(expected);
      });

      it("a trailing slash is accepted", async () => {
        expect(await list("/?pageSize=1")).toEqual({ total: 5, names: ["pg-alpha"] });
      });

      it("items are the v2 item plus enterprise_id and region_type, status a string", async () => {
        const res = await prb("GET", "/openapi/v2/manage/regions?pageSize=1");
        const { data } = (await res.json()) as { data: Record<string, unknown>[] };
        expect(Object.keys(data[0] ?? {})).toEqual([...v2ItemKeys, "enterprise_id", "region_type"]);
        expect(data[0]).toMatchObject({ region_name: "pg-alpha", status: "1", enterprise_id: null, region_type: [] });
      });

      it("MANAGE_TOKEN lists", async () => {
        const res = await prb("GET", "/openapi/v2/manage/regions", undefined, manageToken);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { total: number }).total).toBe(5);
      });
    });

    describe("GET /openapi/v2/manage/regions/{region_id}", () => {
      it("by region_id", async () => {
        const created = await createRegion(rb, "v2-get", { region_id: "v2-get-id" });
        const res = await rb("GET", "/openapi/v2/manage/regions/v2-get-id", undefined, manageToken);
        expect(res.status).toBe(200);
        expect(await jsonOf(res)).toEqual(created);
        expect((await rb("GET", "/openapi/v2/manage/regions/v2-get-id/")).status).toBe(200);
      });

      it("missing → 404 {msg: 数据中心不存在}; the path takes a region_id, not a name", async () => {
        await createRegion(rb, "v2-by-name-only");
        for (const key of ["nope", "v2-by-name-only"]) {
          const res = await rb("GET", `/openapi/v2/manage/regions/${key}`);
          expect(res.status).toBe(404);
          expect(await jsonOf(res)).toEqual(getMissing);
        }
      });
    });

    describe("PUT /openapi/v2/manage/regions/{region_id}", () => {
      it("replaces alias, endpoints, status, desc and scope; name and id stay", async () => {
        const created = await createRegion(rb, "v2-put", { desc: "old", scope: "public", status: "1" });
        const res = await rb(
          "PUT",
          `/openapi/v2/manage/regions/${created.region_id}`,
          putBody({ region_name: "renamed", region_id: "other-id", desc: "new", scope: "private", status: 2 }),
          manageToken,
        );
        expect(res.status).toBe(200);
        const body = (await jsonOf(res)) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(v2ItemKeys);
        expect(body).toEqual({
          ...created,
          region_alias: "新别名",
          url: "https://10.0.0.9:8443",
          wsurl: "ws://10.0.0.9:6060",
          httpdomain: "apps.new.example.com",
          tcpdomain: "10.0.0.9",
          status: "2",
          desc: "new",
          scope: "private",
        });
        expect(await (await rb("GET", `/openapi/v2/manage/regions/${created.region_id}`)).json()).toEqual(body);
        expect((await rb("GET", "/openapi/v2/manage/regions/other-id")).status).toBe(404);
        expect(await namesOf(rb)).not.toContain("renamed");
      });

      it("omitting desc and scope keeps them", async () => {
        const created = await createRegion(rb, "v2-put-keep", { desc: "stay", scope: "public" });
        const res = await rb("PUT", `/openapi/v2/manage/regions/${created.region_id}`, putBody());
        expect(await res.json()).toMatchObject({ desc: "stay", scope: "public" });
      });

      it("omitting certificates and token keeps them; explicit null clears them; a value replaces", async () => {
        const created = await createRegion(rb, "v2-certs", { ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, token: "keep-me" });
        const path = `/openapi/v2/manage/regions/${created.region_id}`;

        const kept = (await (await rb("PUT", path, putBody())).json()) as Record<string, unknown>;
        expect(kept).toMatchObject({ ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, token: "keep-me" });

        const replaced = (await (await rb("PUT", path, putBody({ token: "new-token", cert_file: RENEWED }))).json()) as Record<
          string,
          unknown
        >;
        expect(replaced).toMatchObject({ ssl_ca_cert: CA, cert_file: RENEWED, key_file: KEY, token: "new-token" });

        const cleared = await rb("PUT", path, putBody({ ssl_ca_cert: null, cert_file: null, key_file: null, token: null }));
        expect(cleared.status).toBe(200);
        expect(await cleared.json()).toMatchObject({ ssl_ca_cert: null, cert_file: null, key_file: null, token: null });
        expect(await (await rb("GET", path)).json()).toMatchObject({
          ssl_ca_cert: null,
          cert_file: null,
          key_file: null,
          token: null,
        });
      });

      it("keeps what Rainbond cannot express: locales, parent and extras (seen through /v3)", async () => {
        expect((await ks("POST", "/v3/regions", { region: { id: "v2-parent" } })).status).toBe(201);
        const born = await ks("POST", "/v3/regions", {
          region: {
            id: "v2-child",
            parent_region_id: "v2-parent",
            description: "from keystone",
            locales: { "zh-cn": "子区", "en-us": "Child", "pt-br": "Filho" },
            owner: "ops",
          },
        });
        expect(born.status).toBe(201);
        const before = ((await (await ks("GET", "/v3/regions/v2-child")).json()) as { region: Record<string, unknown> }).region;
        const { region_id } = (await (await rb("GET", "/openapi/v1/regions/v2-child")).json()) as { region_id: string };
        const res = await rb("PUT", `/openapi/v2/manage/regions/${region_id}`, putBody({ status: "1" }));
        expect(res.status).toBe(200);
        const after = ((await (await ks("GET", "/v3/regions/v2-child")).json()) as { region: Record<string, unknown> }).region;
        expect(after.parent_region_id).toBe("v2-parent");
        expect(after.owner).toBe("ops");
        expect((after.locales as Record<string, string>)["pt-br"]).toBe("Filho");
        expect((after.locales as Record<string, string>)["en-us"]).toBe("Child");
        expect(after.description).toBe(before.description);
        expect(await res.json()).toMatchObject({ status: "1", url: "https://10.0.0.9:8443", desc: "from keystone" });
      });

      it("missing → 404 {msg: 修改的数据中心不存在}; nothing is created", async () => {
        const before = await snapshotOf(rb);
        const res = await rb("PUT", "/openapi/v2/manage/regions/no-such-id", putBody());
        expect(res.status).toBe(404);
        expect(await jsonOf(res)).toEqual(writeMissing);
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("the body is validated before the region is looked up (400 even for a missing region)", async () => {
        const res = await rb("PUT", "/openapi/v2/manage/regions/no-such-id", { region_alias: "x" });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { err: Record<string, unknown> }).err).toEqual({
          url: [required],
          wsurl: [required],
          httpdomain: [required],
          tcpdomain: [required],
          status: [required],
        });
      });

      it("a partial or invalid PUT is 400 and changes nothing", async () => {
        const created = await createRegion(rb, "v2-put-bad", { token: "t0", key_file: KEY });
        const path = `/openapi/v2/manage/regions/${created.region_id}`;
        const before = await snapshotOf(rb);
        for (const body of [
          { region_alias: "only-alias" },
          putBody({ status: "7" }),
          putBody({ url: "https://rbd-api-api:8443" }),
          putBody({ tcpdomain: "tcp.example.com" }),
          putBody({ region_alias: "" }),
          putBody({ desc: "d".repeat(201) }),
        ]) {
          const res = await rb("PUT", path, body);
          expect(res.status).toBe(400);
          expect(await res.json()).toMatchObject({ detail: "参数错误", code: 20400 });
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });
    });

    describe("DELETE /openapi/v2/manage/regions/{region_id}", () => {
      it("200 with the deleted region; then it is gone; a second DELETE is 404", async () => {
        const created = await createRegion(rb, "v2-del", { token: "tok", key_file: KEY });
        const path = `/openapi/v2/manage/regions/${created.region_id}`;
        const res = await rb("DELETE", path, undefined, manageToken);
        expect(res.status).toBe(200);
        expect(await jsonOf(res)).toEqual(created);
        expect((await rb("GET", path)).status).toBe(404);
        expect((await rb("GET", "/openapi/v1/regions/v2-del")).status).toBe(404);
        expect(await namesOf(rb)).not.toContain("v2-del");
        const again = await rb("DELETE", path);
        expect(again.status).toBe(404);
        expect(await jsonOf(again)).toEqual(writeMissing);
      });

      it("a name is not a region_id: DELETE by name is 404 and deletes nothing", async () => {
        await createRegion(rb, "v2-del-by-name");
        const before = await snapshotOf(rb);
        const res = await rb("DELETE", "/openapi/v2/manage/regions/v2-del-by-name");
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual(writeMissing);
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("deleting a region that has Keystone child regions deletes them too (the catalogue cascades, as Keystone)", async () => {
        const parent = await createRegion(rb, "v2-del-parent");
        expect(
          (await ks("POST", "/v3/regions", { region: { id: "v2-del-kid", parent_region_id: "v2-del-parent" } })).status,
        ).toBe(201);
        const res = await rb("DELETE", `/openapi/v2/manage/regions/${parent.region_id}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(parent);
        expect((await rb("GET", "/openapi/v1/regions/v2-del-kid")).status).toBe(404);
        expect((await ks("GET", "/v3/regions/v2-del-kid")).status).toBe(404);
      });

      it("the name is free again after a delete", async () => {
        const first = await createRegion(rb, "v2-reuse");
        expect((await rb("DELETE", `/openapi/v2/manage/regions/${first.region_id}/`)).status).toBe(200);
        const second = await createRegion(rb, "v2-reuse");
        expect(second.region_id).not.toBe(first.region_id);
      });
    });

    describe("methods", () => {
      it.each([
        ["PATCH", "/openapi/v2/manage/regions/any-id", "GET, HEAD, PUT, DELETE"],
        ["POST", "/openapi/v2/manage/regions/any-id", "GET, HEAD, PUT, DELETE"],
        ["PUT", "/openapi/v2/manage/regions", "GET, HEAD, POST"],
        ["DELETE", "/openapi/v2/manage/regions", "GET, HEAD, POST"],
      ])("%s %s → 405 with Allow: %s", async (method, path, allow) => {
        const res = await rb(method, path, putBody());
        expect(res.status).toBe(405);
        expect(res.headers.get("Allow")).toBe(allow);
        const detail = `方法 “${method}” 不被允许。`;
        expect(await jsonOf(res)).toEqual({ detail, code: 405, msg: detail, msg_show: detail });
      });
    });

    describe("a caller who may not read secrets nor write", () => {
      let reader: ReturnType<typeof clients>["rainbond"];
      let secretId: string;
      beforeAll(async () => {
        reader = clients(appWithReader(t)).rainbond;
        secretId = (await createRegion(rb, "v2-secret", { scope: "public", token: "tok", key_file: KEY, cert_file: CERT }))
          .region_id as string;
      });
      it("sees token and key_file as null, in the list and in GET one", async () => {
        const one = (await (
          await reader("GET", `/openapi/v2/manage/regions/${secretId}`, undefined, readerToken)
        ).json()) as Record<string, unknown>;
        expect(one).toMatchObject({ token: null, key_file: null, cert_file: CERT });
        const list = await (await reader("GET", "/openapi/v2/manage/regions?current=0", undefined, readerToken)).text();
        expect(list).toContain("v2-secret");
        expect(list).not.toContain("MIIEsecret");
        expect(list).not.toContain('"tok"');
      });
      it("cannot POST, PUT or DELETE (403), and nothing changes", async () => {
        const before = await snapshotOf(rb);
        const detail = "您没有执行该操作的权限。";
        for (const [method, path, body] of [
          ["POST", "/openapi/v2/manage/regions", addBody("v2-reader")],
          ["PUT", `/openapi/v2/manage/regions/${secretId}`, putBody()],
          ["DELETE", `/openapi/v2/manage/regions/${secretId}`, undefined],
        ] as const) {
          const res = await reader(method, path, body, readerToken);
          expect(res.status).toBe(403);
          expect(await res.json()).toEqual({ detail, code: 403, msg: detail, msg_show: detail });
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });
    });
  });
}
