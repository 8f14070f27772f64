import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Catalog } from "../../src/catalog/service.ts";
import { createApp } from "../../src/http/app.ts";
import { createAuthenticator } from "../../src/identity/authenticator.ts";
import { backends, testSecretBox } from "../support/backends.ts";
import { adminToken, clients, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody, createRegion, jsonOf, putBody, raw, required, snapshotOf } from "./rainbond-support.ts";

const noToken = { detail: "No token", code: 401, msg: "No token", msg_show: "No token" };
const apiError = (status: number, detail: string) => ({ detail, code: status, msg: detail, msg_show: detail });

/** Every Rainbond route, with a body where the method takes one. */
const routes: [method: string, path: string][] = [
  ["GET", "/openapi/v1/regions"],
  ["POST", "/openapi/v1/regions"],
  ["GET", "/openapi/v1/regions/err-base"],
  ["GET", "/openapi/v2/manage/regions"],
  ["POST", "/openapi/v2/manage/regions"],
  ["GET", "/openapi/v2/manage/regions/err-base-id"],
  ["PUT", "/openapi/v2/manage/regions/err-base-id"],
  ["DELETE", "/openapi/v2/manage/regions/err-base-id"],
];
const bodyFor = (method: string) => (method === "POST" ? addBody("err-new") : method === "PUT" ? putBody() : undefined);

for (const backend of backends) {
  describe.skipIf(!backend.available)(`Rainbond errors and authentication (${backend.name})`, () => {
    let t: TestApp;
    let rb: ReturnType<typeof clients>["rainbond"];
    beforeAll(async () => {
      t = await openTestApp(backend);
      rb = clients(t.app).rainbond;
      await createRegion(rb, "err-base", { region_id: "err-base-id", token: "tok" });
    });
    afterAll(() => t?.close());

    describe("authentication", () => {
      it.each(routes)(
        "%s %s without Authorization → 401 No token, WWW-Authenticate: Token, nothing changes",
        async (method, path) => {
          const before = await snapshotOf(rb);
          const res = await rb(method, path, bodyFor(method), null);
          expect(res.status).toBe(401);
          expect(res.headers.get("WWW-Authenticate")).toBe("Token");
          expect(await jsonOf(res)).toEqual(noToken);
          expect(await snapshotOf(rb)).toEqual(before);
        },
      );

      it.each(routes)("%s %s with an empty or blank Authorization → 401 No token", async (method, path) => {
        for (const header of ["", "   "]) {
          const res = await raw(t.app, method, path, { headers: { Authorization: header } });
          expect(res.status).toBe(401);
          expect(await res.json()).toEqual(noToken);
        }
      });

      it.each(routes)("%s %s with a wrong token → 401 with WWW-Authenticate, nothing changes", async (method, path) => {
        const before = await snapshotOf(rb);
        const res = await rb(method, path, bodyFor(method), "wrong-token");
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toBe("Token");
        const detail = path.startsWith("/openapi/v2") ? "token is invalid" : "No such user or user is not admin";
        expect(await jsonOf(res)).toEqual(apiError(401, detail));
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("the raw token is the whole header; a Bearer prefix is tolerated; other schemes are not tokens", async () => {
        for (const header of [adminToken, `Bearer ${adminToken}`, `bearer ${adminToken}`, `  ${adminToken}  `]) {
          expect((await raw(t.app, "GET", "/openapi/v1/regions", { headers: { Authorization: header } })).status).toBe(200);
          expect((await raw(t.app, "GET", "/openapi/v2/manage/regions", { headers: { Authorization: header } })).status).toBe(
            200,
          );
        }
        for (const header of [`Basic ${adminToken}`, `${adminToken}x`, `Bearer`, adminToken.toUpperCase()]) {
          expect((await raw(t.app, "GET", "/openapi/v1/regions", { headers: { Authorization: header } })).status).toBe(401);
        }
      });

      it("MANAGE_TOKEN opens every v2 route and no v1 route", async () => {
        for (const path of ["/openapi/v2/manage/regions", "/openapi/v2/manage/regions/err-base-id"]) {
          expect((await rb("GET", path, undefined, manageToken)).status).toBe(200);
          expect((await rb("GET", path, undefined, `Bearer ${manageToken}`)).status).toBe(200);
        }
        for (const path of ["/openapi/v1/regions", "/openapi/v1/regions/err-base"]) {
          const res = await rb("GET", path, undefined, manageToken);
          expect(res.status).toBe(401);
          expect(await res.json()).toEqual(apiError(401, "No such user or user is not admin"));
        }
      });

      it("authentication comes before method checks and body validation", async () => {
        expect((await rb("DELETE", "/openapi/v1/regions", undefined, null)).status).toBe(401);
        expect((await rb("PATCH", "/openapi/v2/manage/regions/err-base-id", undefined, null)).status).toBe(401);
        expect((await rb("POST", "/openapi/v2/manage/regions", "{not json", null)).status).toBe(401);
      });
    });

    describe("request bodies", () => {
      const writes: [string, string][] = [
        ["POST", "/openapi/v1/regions"],
        ["POST", "/openapi/v2/manage/regions"],
        ["PUT", "/openapi/v2/manage/regions/err-base-id"],
      ];

      it.each(writes)("%s %s: malformed JSON → 400 JSON parse error, nothing changes", async (method, path) => {
        const before = await snapshotOf(rb);
        for (const body of ['{"region_name": "x",', "{'region_name': 'x'}", "nope"]) {
          const res = await rb(method, path, body);
          expect(res.status).toBe(400);
          const json = (await jsonOf(res)) as Record<string, unknown>;
          expect(json).toMatchObject({ code: 400 });
          expect(String(json.detail)).toMatch(/^JSON parse error - /);
          expect(json.msg).toBe(json.detail);
          expect(json.msg_show).toBe(json.detail);
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it.each(writes)("%s %s: a text/plain or form body → 400, nothing changes", async (method, path) => {
        const before = await snapshotOf(rb);
        const json = JSON.stringify(method === "PUT" ? putBody() : addBody("err-plain"));
        for (const [type, body] of <[string, string][]>[
          ["text/plain", json],
          ["text/plain; charset=utf-8", json],
          ["application/x-www-form-urlencoded", "region_name=err-form"],
        ]) {
          const res = await raw(t.app, method, path, { headers: { Authorization: adminToken, "Content-Type": type }, body });
          expect(res.status).toBe(400);
          expect(await jsonOf(res)).toEqual(apiError(400, `不支持请求中的媒体类型 “${type}”。`));
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it.each(writes)("%s %s: a body that is not an object → 400 non_field_errors", async (method, path) => {
        const before = await snapshotOf(rb);
        for (const [body, pythonType] of [
          ["[]", "list"],
          ["null", "NoneType"],
          ['"region"', "str"],
          ["42", "int"],
          ["true", "bool"],
        ]) {
          const res = await rb(method, path, body);
          expect(res.status).toBe(400);
          expect(await jsonOf(res)).toEqual({
            detail: "参数错误",
            err: { non_field_errors: [`无效数据。期待为字典类型，得到的是 ${pythonType} 。`] },
            code: 20400,
            error_type: "ValidationError",
          });
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("a JSON escape for a lone surrogate is a field error, not a 500 or a mangled value", async () => {
        const before = await snapshotOf(rb);
        const body = JSON.stringify(addBody("err-surrogate")).replace('"err-surrogate 集群"', '"bad \\ud800 alias"');
        expect(body).toContain("\\ud800");
        const res = await rb("POST", "/openapi/v2/manage/regions", body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { err: unknown }).err).toEqual({ region_alias: ["不允许使用代理字符: U+D800。"] });
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it.each(["/openapi/v1/regions", "/openapi/v2/manage/regions"])(
        "POST %s with a C1 control character in region_name or region_id: the console's key and language, nothing stored",
        async (path) => {
          const before = await snapshotOf(rb);
          const pathSafe = "不能包含“/”或控制字符，也不能是“.”或“..”";
          for (const [body, err] of <[Record<string, unknown>, Record<string, string[]>][]>[
            [addBody("c1\u0085name"), { region_name: [pathSafe] }],
            [addBody("c1-nine-f\u009f"), { region_name: [pathSafe] }],
            [addBody("c1-id", { region_id: "id\u0080" }), { region_id: [pathSafe] }],
          ]) {
            const res = await rb("POST", path, body);
            expect(res.status).toBe(400);
            expect(await jsonOf(res)).toEqual({ detail: "参数错误", err, code: 20400, error_type: "ValidationError" });
          }
          expect(await snapshotOf(rb)).toEqual(before);
        },
      );

      it("an empty body reads as {} (every required field named); a missing Content-Type is accepted", async () => {
        const empty = await raw(t.app, "POST", "/openapi/v2/manage/regions", {
          headers: { Authorization: adminToken, "Content-Type": "application/json" },
          body: "",
        });
        expect(empty.status).toBe(400);
        expect(((await empty.json()) as { err: Record<string, string[]> }).err.region_name).toEqual([required]);
        const untyped = await raw(t.app, "POST", "/openapi/v2/manage/regions", {
          headers: { Authorization: adminToken },
          body: new TextEncoder().encode(JSON.stringify(addBody("err-untyped"))),
        });
        expect(untyped.status).toBe(201);
        const charset = await raw(t.app, "POST", "/openapi/v2/manage/regions", {
          headers: { Authorization: adminToken, "Content-Type": "application/json; charset=utf-8" },
          body: JSON.stringify(addBody("err-charset")),
        });
        expect(charset.status).toBe(201);
      });

      it.each(writes)("%s %s: a body over 1 MiB → 413 JSON with Connection: close, nothing changes", async (method, path) => {
        const before = await snapshotOf(rb);
        const big = JSON.stringify({ ...(method === "PUT" ? putBody() : addBody("err-big")), desc: "x".repeat(1024 * 1024) });
        const detail = "请求体过大，上限为 1 MiB。";
        // with and without a Content-Length header (a streamed body is counted as it is read)
        for (const headers of <Record<string, string>[]>[
          { Authorization: adminToken, "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(big)) },
          { Authorization: adminToken, "Content-Type": "application/json" },
        ]) {
          const res = await raw(t.app, method, path, { headers, body: big });
          expect(res.status).toBe(413);
          expect(res.headers.get("Connection")).toBe("close");
          expect(await jsonOf(res)).toEqual(apiError(413, detail));
        }
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("a body just under 1 MiB is read (and then validated: desc is too long)", async () => {
        const body = JSON.stringify({ ...addBody("err-almost"), desc: "x".repeat(1024 * 1024 - 400) });
        expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
        const res = await rb("POST", "/openapi/v2/manage/regions", body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { err: unknown }).err).toEqual({ desc: ["请确保这个字段不能超过 200 个字符。"] });
      });
    });

    describe("paths", () => {
      it.each([
        "/openapi/v1/unknown",
        "/openapi/v1/regions/err-base/status",
        "/openapi/v2/manage/unknown",
        "/openapi/v2/regions",
        "/openapi/v1/teams/t1/regions",
        "/openapi/v3/regions",
        "/openapi",
      ])("GET %s → 404 JSON, not an HTML page", async (path) => {
        const res = await rb("GET", path);
        expect(res.status).toBe(404);
        expect(await jsonOf(res)).toEqual(apiError(404, "未找到。"));
      });

      it("a wrong method on a known path → 405 JSON with Allow", async () => {
        const res = await rb("OPTIONS", "/openapi/v2/manage/regions/err-base-id");
        expect(res.status).toBe(405);
        expect(res.headers.get("Allow")).toBe("GET, HEAD, PUT, DELETE");
        expect(await jsonOf(res)).toEqual(apiError(405, "方法 “OPTIONS” 不被允许。"));
      });

      it("an unexpected failure is the console's 500 body, with no internals", async () => {
        // the same catalogue, except that reading it throws
        const broken = new Proxy(t.catalog, {
          get(target, key, receiver) {
            if (key === "list" || key === "getByUid") {
              return () => {
                throw new Error("boom: postgres://user:hunter2@db/secret");
              };
            }
            const value = Reflect.get(target, key, receiver);
            return typeof value === "function" ? value.bind(target) : value;
          },
        }) as Catalog;
        const app = createApp({
          catalog: broken,
          database: t.db.database,
          secretBox: testSecretBox,
          auth: createAuthenticator({ identity: () => t.catalog.identity(), secretBox: testSecretBox, adminToken, manageToken }),
        });
        const brokenRb = clients(app).rainbond;
        for (const path of ["/openapi/v1/regions", "/openapi/v2/manage/regions", "/openapi/v2/manage/regions/err-base-id"]) {
          const res = await brokenRb("GET", path);
          expect(res.status).toBe(500);
          const text = await res.clone().text();
          expect(text).not.toContain("hunter2");
          expect(text).not.toContain("boom");
          expect(await jsonOf(res)).toEqual({ code: 10401, msg: "", msg_show: "服务端异常" });
        }
      });

      it("Rainbond paths never get Keystone's headers", async () => {
        const res = await rb("GET", "/openapi/v1/regions");
        expect(res.headers.get("Vary") ?? "").not.toContain("X-Auth-Token");
        expect(res.headers.get("x-openstack-request-id")).toBeNull();
      });
    });
  });

  describe.skipIf(!backend.available)(`Rainbond when the database is gone (${backend.name})`, () => {
    let t: TestApp;
    let rb: ReturnType<typeof clients>["rainbond"];
    let id: string;
    beforeAll(async () => {
      t = await openTestApp(backend);
      rb = clients(t.app).rainbond;
      id = (await createRegion(rb, "down-1")).region_id as string;
      await t.db.database.close();
    });
    afterAll(async () => {
      await t?.catalog.close();
      await t?.db.drop().catch(() => {});
    });

    it("reads are still served from the snapshot", async () => {
      expect((await rb("GET", `/openapi/v2/manage/regions/${id}`)).status).toBe(200);
      expect(((await (await rb("GET", "/openapi/v1/regions")).json()) as unknown[]).length).toBe(1);
    });

    it("writes answer 503 in the console's error shape, without internals", async () => {
      const detail = "数据库暂时不可用，请稍后重试。";
      for (const [method, path, body] of [
        ["POST", "/openapi/v2/manage/regions", addBody("down-2")],
        ["POST", "/openapi/v1/regions", addBody("down-3")],
        ["PUT", `/openapi/v2/manage/regions/${id}`, putBody()],
        ["DELETE", `/openapi/v2/manage/regions/${id}`, undefined],
      ] as const) {
        const res = await rb(method, path, body);
        expect(res.status).toBe(503);
        expect(await jsonOf(res)).toEqual(apiError(503, detail));
      }
    });
  });
}
