import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { adminToken, clients, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";
import {
  addBody,
  appWithReader,
  CA,
  CERT,
  enterpriseAdminToken,
  enterpriseReaderToken,
  hex32,
  jsonOf,
  KEY,
  readerToken,
  required,
  snapshotOf,
  v1ListKeys,
  v2ItemKeys,
} from "./rainbond-support.ts";

const missingBody = { code: 404, msg: "no found region", msg_show: "数据中心不存在", data: { bean: {}, list: [] } };

for (const backend of backends) {
  describe.skipIf(!backend.available)(`Rainbond /openapi/v1 (${backend.name})`, () => {
    let t: TestApp;
    let rb: ReturnType<typeof clients>["rainbond"];
    beforeAll(async () => {
      t = await openTestApp(backend);
      rb = clients(t.app).rainbond;
    });
    afterAll(() => t?.close());

    describe("GET /openapi/v1/regions", () => {
      it("an empty catalogue is a bare empty array", async () => {
        const res = await rb("GET", "/openapi/v1/regions");
        expect(res.status).toBe(200);
        expect(await jsonOf(res)).toEqual([]);
      });

      it("is a bare array of RegionInfoResp items (documented fields, in order, status a string)", async () => {
        const created = await rb(
          "POST",
          "/openapi/v1/regions",
          addBody("v1-list", {
            region_id: "v1listid",
            desc: "d",
            scope: "public",
            status: 0,
            ssl_ca_cert: CA,
            cert_file: CERT,
            key_file: KEY,
            token: "tk",
          }),
        );
        expect(created.status).toBe(201);
        const list = (await jsonOf(await rb("GET", "/openapi/v1/regions"))) as Record<string, unknown>[];
        expect(Array.isArray(list)).toBe(true);
        const item = list.find((i) => i.region_name === "v1-list");
        expect(item && Object.keys(item)).toEqual(v1ListKeys);
        expect(item).toEqual({
          region_id: "v1listid",
          region_name: "v1-list",
          region_alias: "v1-list 集群",
          url: "https://region.goodrain.me:8443",
          wsurl: "wss://region.goodrain.me:6060",
          httpdomain: "apps.goodrain.me",
          tcpdomain: "47.92.1.2",
          status: "0",
          desc: "d",
          scope: "public",
          ssl_ca_cert: CA,
          cert_file: CERT,
          key_file: KEY,
        });
        expect(JSON.stringify(list)).not.toContain('"token"');
      });

      it("ignores query parameters (the v1 list takes none) and accepts a trailing slash", async () => {
        const plain = await (await rb("GET", "/openapi/v1/regions")).json();
        expect(await (await rb("GET", "/openapi/v1/regions?query=zzz&page=9&page_size=1")).json()).toEqual(plain);
        const slash = await rb("GET", "/openapi/v1/regions/");
        expect(slash.status).toBe(200);
        expect(await slash.json()).toEqual(plain);
      });

      it("HEAD answers 200 with no body", async () => {
        const res = await rb("HEAD", "/openapi/v1/regions");
        expect(res.status).toBe(200);
        expect(await res.text()).toBe("");
      });
    });

    describe("POST /openapi/v1/regions", () => {
      it("201 with RegionInfoSerializer (v2 item + enterprise_id); region_id generated, status defaults to '1'", async () => {
        const res = await rb("POST", "/openapi/v1/regions", addBody("v1-post", { enterprise_id: "ent-9", token: "rt" }));
        expect(res.status).toBe(201);
        const body = (await jsonOf(res)) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual([...v2ItemKeys, "enterprise_id"]);
        expect(body.region_id).toMatch(hex32);
        expect(body).toMatchObject({
          region_name: "v1-post",
          region_alias: "v1-post 集群",
          url: "https://region.goodrain.me:8443",
          token: "rt",
          wsurl: "wss://region.goodrain.me:6060",
          httpdomain: "apps.goodrain.me",
          tcpdomain: "47.92.1.2",
          scope: "private",
          ssl_ca_cert: null,
          cert_file: null,
          key_file: null,
          status: "1",
          desc: "",
          enterprise_id: "ent-9",
        });
        // and it is there afterwards, under the generated id
        const one = (await (await rb("GET", `/openapi/v1/regions/${body.region_id}`)).json()) as Record<string, unknown>;
        expect(one.region_name).toBe("v1-post");
      });

      it("keeps a given region_id; status 2 as an integer comes back as the string '2'", async () => {
        const res = await rb("POST", "/openapi/v1/regions", addBody("v1-keep", { region_id: "my-own-id-1", status: 2 }));
        expect(res.status).toBe(201);
        expect(await res.json()).toMatchObject({ region_id: "my-own-id-1", status: "2", enterprise_id: null });
      });

      it("trims whitespace and coerces numbers before storing", async () => {
        const res = await rb("POST", "/openapi/v1/regions", addBody("  v1-trim  ", { region_alias: 2024, desc: " x " }));
        expect(res.status).toBe(201);
        expect(await res.json()).toMatchObject({ region_name: "v1-trim", region_alias: "2024", desc: "x" });
        expect((await rb("GET", "/openapi/v1/regions/v1-trim")).status).toBe(200);
      });

      it("400 with the console's validation body; nothing is stored", async () => {
        const before = await snapshotOf(rb);
        const res = await rb("POST", "/openapi/v1/regions", {
          region_name: "v1-bad",
          url: "https://rbd-api-api:8443",
          wsurl: "ws://1.2.3.4:6060",
          httpdomain: "",
          tcpdomain: "example.com",
          status: "9",
          scope: "shared",
        });
        expect(res.status).toBe(400);
        expect(await jsonOf(res)).toEqual({
          detail: "参数错误",
          err: {
            region_alias: [required],
            url: ["集群API地址非法"],
            httpdomain: ["该字段不能为空。"],
            tcpdomain: ["TCP访问地址非法"],
            scope: ["集群开放类型不正确"],
            status: ["集群状态值不正确"],
          },
          code: 20400,
          error_type: "ValidationError",
        });
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("a duplicate region_name is 400 err.region_name, and the first region is untouched", async () => {
        const first = (await (await rb("POST", "/openapi/v1/regions", addBody("v1-dup"))).json()) as Record<string, unknown>;
        const before = await snapshotOf(rb);
        const res = await rb("POST", "/openapi/v1/regions", addBody("v1-dup", { region_alias: "other", url: "http://10.1.1.1" }));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          detail: "参数错误",
          err: { region_name: ["具有 region name 的 region config 已存在。"] },
          code: 20400,
          error_type: "ValidationError",
        });
        expect(await snapshotOf(rb)).toEqual(before);
        expect(await (await rb("GET", "/openapi/v1/regions/v1-dup")).json()).toMatchObject({
          region_id: first.region_id,
          region_alias: "v1-dup 集群",
        });
      });

      it("a duplicate region_id is 400 err.region_id", async () => {
        expect((await rb("POST", "/openapi/v1/regions", addBody("v1-id-a", { region_id: "shared-id" }))).status).toBe(201);
        const before = await snapshotOf(rb);
        const res = await rb("POST", "/openapi/v1/regions", addBody("v1-id-b", { region_id: "shared-id" }));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          detail: "参数错误",
          err: { region_id: ["具有 region id 的 region config 已存在。"] },
          code: 20400,
          error_type: "ValidationError",
        });
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("a trailing slash is accepted", async () => {
        expect((await rb("POST", "/openapi/v1/regions/", addBody("v1-slash"))).status).toBe(201);
      });
    });

    describe("GET /openapi/v1/regions/{name or region_id}", () => {
      let created: Record<string, unknown>;
      beforeAll(async () => {
        const res = await rb(
          "POST",
          "/openapi/v1/regions",
          addBody("v1-one", { region_id: "v1oneid", ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, token: "tok", desc: "one" }),
        );
        created = (await res.json()) as Record<string, unknown>;
      });

      it("by region_name: the detail, with region_id and full certificates for a secret reader", async () => {
        const res = await rb("GET", "/openapi/v1/regions/v1-one");
        expect(res.status).toBe(200);
        const body = (await jsonOf(res)) as Record<string, unknown>;
        expect(body).toEqual({
          region_id: "v1oneid",
          region_name: "v1-one",
          region_alias: "v1-one 集群",
          url: "https://region.goodrain.me:8443",
          wsurl: "wss://region.goodrain.me:6060",
          httpdomain: "apps.goodrain.me",
          tcpdomain: "47.92.1.2",
          scope: "private",
          ssl_ca_cert: CA,
          cert_file: CERT,
          key_file: KEY,
          desc: "one",
          status: "1",
        });
        expect(body).not.toHaveProperty("token");
      });

      it("by region_id gives the same answer", async () => {
        const byName = await (await rb("GET", "/openapi/v1/regions/v1-one")).json();
        const res = await rb("GET", `/openapi/v1/regions/${created.region_id}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(byName);
      });

      it("region_name wins over region_id when a key is both", async () => {
        // region "v1-b" has region_id "v1-a", which is another region's name
        expect((await rb("POST", "/openapi/v1/regions", addBody("v1-a"))).status).toBe(201);
        expect((await rb("POST", "/openapi/v1/regions", addBody("v1-b", { region_id: "v1-a" }))).status).toBe(201);
        expect(await (await rb("GET", "/openapi/v1/regions/v1-a")).json()).toMatchObject({ region_name: "v1-a" });
      });

      it("a trailing slash is accepted; HEAD works", async () => {
        expect((await rb("GET", "/openapi/v1/regions/v1-one/")).status).toBe(200);
        const head = await rb("HEAD", "/openapi/v1/regions/v1-one");
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
      });

      it("a name with non-ASCII characters and spaces is addressable (percent-encoded)", async () => {
        expect((await rb("POST", "/openapi/v1/regions", addBody("华东 一区"))).status).toBe(201);
        const res = await rb("GET", `/openapi/v1/regions/${encodeURIComponent("华东 一区")}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ region_name: "华东 一区" });
      });

      it("missing → 404 with the console's MessageResponse body", async () => {
        for (const key of ["no-such-region", "ffffffffffffffffffffffffffffffff"]) {
          const res = await rb("GET", `/openapi/v1/regions/${key}`);
          expect(res.status).toBe(404);
          expect(await jsonOf(res)).toEqual(missingBody);
        }
      });
    });

    describe("methods", () => {
      it.each([
        ["PUT", "/openapi/v1/regions/v1-one", "GET, HEAD"],
        ["DELETE", "/openapi/v1/regions/v1-one", "GET, HEAD"],
        ["PATCH", "/openapi/v1/regions/v1-one", "GET, HEAD"],
        ["POST", "/openapi/v1/regions/v1-one", "GET, HEAD"],
        ["PUT", "/openapi/v1/regions", "GET, HEAD, POST"],
        ["DELETE", "/openapi/v1/regions", "GET, HEAD, POST"],
      ])("%s %s → 405 JSON with Allow: %s, nothing changes", async (method, path, allow) => {
        const before = await snapshotOf(rb);
        const res = await rb(method, path, addBody("v1-one", { region_alias: "changed" }));
        expect(res.status).toBe(405);
        expect(res.headers.get("Allow")).toBe(allow);
        const detail = `方法 “${method}” 不被允许。`;
        expect(await jsonOf(res)).toEqual({ detail, code: 405, msg: detail, msg_show: detail });
        expect(await snapshotOf(rb)).toEqual(before);
      });
    });

    describe("credentials", () => {
      it("MANAGE_TOKEN does not open /openapi/v1", async () => {
        for (const [method, path] of [
          ["GET", "/openapi/v1/regions"],
          ["GET", "/openapi/v1/regions/v1-one"],
          ["POST", "/openapi/v1/regions"],
        ] as const) {
          const res = await rb(method, path, method === "POST" ? addBody("v1-manage") : undefined, manageToken);
          expect(res.status).toBe(401);
          expect(res.headers.get("WWW-Authenticate")).toBe("Token");
        }
        expect((await rb("GET", "/openapi/v1/regions/v1-manage")).status).toBe(404);
      });

      it("the admin token opens it raw or with a Bearer prefix", async () => {
        expect((await rb("GET", "/openapi/v1/regions", undefined, adminToken)).status).toBe(200);
        expect((await rb("GET", "/openapi/v1/regions", undefined, `Bearer ${adminToken}`)).status).toBe(200);
      });

      describe("a caller who may not read secrets nor write", () => {
        let reader: ReturnType<typeof clients>["rainbond"];
        beforeAll(async () => {
          reader = clients(appWithReader(t)).rainbond;
          await rb(
            "POST",
            "/openapi/v1/regions",
            addBody("v1-public", { scope: "public", key_file: KEY, token: "t", ssl_ca_cert: CA }),
          );
        });
        it("sees public regions only, key_file null, public certificates kept", async () => {
          const list = (await (await reader("GET", "/openapi/v1/regions", undefined, readerToken)).json()) as Record<
            string,
            unknown
          >[];
          const all = (await (await rb("GET", "/openapi/v1/regions")).json()) as Record<string, unknown>[];
          const publicNames = all.filter((r) => r.scope === "public").map((r) => r.region_name);
          expect(publicNames).toContain("v1-public");
          expect(publicNames.length).toBeLessThan(all.length);
          expect(list.map((r) => r.region_name)).toEqual(publicNames);
          expect(list.find((r) => r.region_name === "v1-public")).toMatchObject({ key_file: null, ssl_ca_cert: CA });
          expect(JSON.stringify(list)).not.toContain("MIIEsecret");
          const one = (await (await reader("GET", "/openapi/v1/regions/v1-public", undefined, readerToken)).json()) as Record<
            string,
            unknown
          >;
          expect(one).toMatchObject({ key_file: null, ssl_ca_cert: CA });
        });
        it("a caller bound to an enterprise sees only that enterprise's regions on v1 (v2 is not scoped)", async () => {
          for (const [name, enterprise_id] of [
            ["v1-ent-a", "ent-a"],
            ["v1-ent-b", "ent-b"],
            ["v1-ent-none", null],
          ] as const) {
            expect((await rb("POST", "/openapi/v1/regions", addBody(name, { scope: "public", enterprise_id }))).status).toBe(201);
          }
          const list = (await (await reader("GET", "/openapi/v1/regions", undefined, enterpriseReaderToken)).json()) as Record<
            string,
            unknown
          >[];
          expect(list.map((r) => r.region_name)).toEqual(["v1-ent-a"]);
          expect((await reader("GET", "/openapi/v1/regions/v1-ent-a", undefined, enterpriseReaderToken)).status).toBe(200);
          for (const other of ["v1-ent-b", "v1-ent-none"]) {
            const res = await reader("GET", `/openapi/v1/regions/${other}`, undefined, enterpriseReaderToken);
            expect(res.status).toBe(404);
            expect(await res.json()).toEqual(missingBody);
          }
          const v2 = await (await reader("GET", "/openapi/v2/manage/regions?current=0", undefined, enterpriseReaderToken)).text();
          for (const name of ["v1-ent-a", "v1-ent-b", "v1-ent-none"]) expect(v2).toContain(`"${name}"`);
        });
        it("an enterprise admin's v1 add lands in its enterprise and shows in its v1 list", async () => {
          const res = await reader("POST", "/openapi/v1/regions", addBody("v1-ent-admin-add"), enterpriseAdminToken);
          expect(res.status).toBe(201);
          expect(await res.json()).toMatchObject({ region_name: "v1-ent-admin-add", enterprise_id: "ent-a" });
          const same = await reader(
            "POST",
            "/openapi/v1/regions",
            addBody("v1-ent-admin-add2", { enterprise_id: "ent-a" }),
            enterpriseAdminToken,
          );
          expect(same.status).toBe(201);
          const list = (await (await reader("GET", "/openapi/v1/regions", undefined, enterpriseAdminToken)).json()) as Record<
            string,
            unknown
          >[];
          expect(list.map((r) => r.region_name)).toEqual(
            expect.arrayContaining(["v1-ent-admin-add", "v1-ent-admin-add2", "v1-ent-a"]),
          );
          expect(list.map((r) => r.region_name)).not.toContain("v1-ent-b");
        });
        it("an enterprise admin cannot add a region to another enterprise (403, nothing stored)", async () => {
          const before = await snapshotOf(rb);
          const res = await reader(
            "POST",
            "/openapi/v1/regions",
            addBody("v1-ent-other", { enterprise_id: "ent-b" }),
            enterpriseAdminToken,
          );
          expect(res.status).toBe(403);
          expect(await snapshotOf(rb)).toEqual(before);
        });
        it("GET one resolves name then region_id among the caller's enterprise regions", async () => {
          // "v1-shadow" is a name in ent-b and the region_id of a region in ent-a
          expect((await rb("POST", "/openapi/v1/regions", addBody("v1-shadow", { enterprise_id: "ent-b" }))).status).toBe(201);
          expect(
            (await rb("POST", "/openapi/v1/regions", addBody("v1-shadowed", { region_id: "v1-shadow", enterprise_id: "ent-a" })))
              .status,
          ).toBe(201);
          const mine = await reader("GET", "/openapi/v1/regions/v1-shadow", undefined, enterpriseAdminToken);
          expect(mine.status).toBe(200);
          expect(await mine.json()).toMatchObject({ region_name: "v1-shadowed", region_id: "v1-shadow" });
          // an unbound admin sees the name first
          expect(await (await rb("GET", "/openapi/v1/regions/v1-shadow")).json()).toMatchObject({ region_name: "v1-shadow" });
        });
        it("a private region is 404 for them", async () => {
          const res = await reader("GET", "/openapi/v1/regions/v1-one", undefined, readerToken);
          expect(res.status).toBe(404);
          expect(await res.json()).toEqual(missingBody);
        });
        it("POST is 403 with the console's permission message; nothing is stored", async () => {
          const res = await reader("POST", "/openapi/v1/regions", addBody("v1-by-reader"), readerToken);
          expect(res.status).toBe(403);
          const detail = "您没有执行该操作的权限。";
          expect(await res.json()).toEqual({ detail, code: 403, msg: detail, msg_show: detail });
          expect((await rb("GET", "/openapi/v1/regions/v1-by-reader")).status).toBe(404);
        });
      });
    });
  });
}
