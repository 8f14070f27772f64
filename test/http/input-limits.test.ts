import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRegionInput } from "../../src/domain/region.ts";
import { backends } from "../support/backends.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody, putBody } from "./rainbond-support.ts";

// Regressions for the hostile black-box run (issue 7): each test fails on the code before its fix.

/** `[[[…]]]`, `levels` deep, as JSON text. */
const deepArray = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
/** A JSON text: `template` with `@` replaced by raw JSON (so a deep value need not be built as an object). */
const withRaw = (template: unknown, raw: string) => JSON.stringify(template).replace('"@"', raw);

const isKeystoneError = (body: unknown, status: number) =>
  expect(body).toMatchObject({ error: { code: status, title: expect.any(String), message: expect.any(String) } });
const isRainbondError = (body: unknown) => {
  // DRF's two 400 shapes: a field error ({"detail":"参数错误","err":{…}}) or an API error ({"detail","msg"})
  expect(body).toMatchObject({ detail: expect.any(String) });
  expect(body).toHaveProperty((body as Record<string, unknown>).err === undefined ? "msg" : "err");
};

for (const backend of backends) {
  describe.skipIf(!backend.available)(`hostile input (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    let regionId: string;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "ks-1" } })).status).toBe(201);
      const added = await c.rainbond("POST", "/openapi/v2/manage/regions", addBody("rb-1"));
      expect(added.status).toBe(201);
      regionId = ((await added.json()) as { region_id: string }).region_id;
    });
    afterAll(() => t?.close());

    /** The catalogue as stored, to compare before and after a refused request. */
    const stored = async () => JSON.stringify(await t.catalog.list());
    const importDoc = (format: string, text: string) =>
      t.app.request(`http://gw.test/admin/v1/import?format=${format}`, {
        method: "POST",
        body: text,
        headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken },
      });

    describe("1. deep JSON", () => {
      const deep = deepArray(5000);

      it("Keystone bodies: 400 in Keystone's shape for a deep value in any field, nothing stored", async () => {
        const before = await stored();
        for (const field of ["id", "type", "description", "parent_region_id", "locales", "extra"]) {
          for (const [method, path] of [
            ["POST", "/v3/regions"],
            ["PUT", "/v3/regions/ks-new"],
            ["PATCH", "/v3/regions/ks-1"],
          ] as const) {
            const res = await c.keystone(method, path, withRaw({ region: { [field]: "@" } }, deep));
            expect(res.status, `${method} ${path} ${field}`).toBe(400);
            isKeystoneError(await res.json(), 400);
          }
        }
        const res = await c.keystone("POST", "/v3/regions", withRaw({ region: { locales: { "zh-cn": "@" } } }, deep));
        expect(res.status).toBe(400);
        expect(await stored()).toBe(before);
      });

      it("Rainbond bodies: 400 in the console's shape, nothing stored", async () => {
        const before = await stored();
        const cases = [
          ["POST", "/openapi/v1/regions", addBody("rb-deep")],
          ["POST", "/openapi/v2/manage/regions", addBody("rb-deep")],
          ["PUT", `/openapi/v2/manage/regions/${regionId}`, putBody()],
          ["POST", "/openapi/v1/grctl/ip", { region_name: "rb-1" }],
        ] as const;
        for (const [method, path, valid] of cases) {
          for (const field of ["region_name", "region_alias", "url", "status", "unknown_key"]) {
            const res = await c.rainbond(method, path, withRaw({ ...valid, [field]: "@" }, deep));
            expect(res.status, `${method} ${path} ${field}`).toBe(400);
            isRainbondError(await res.json());
          }
        }
        expect(await stored()).toBe(before);
      });

      it("admin API and Keystone login: 400 in Keystone's shape", async () => {
        for (const [path, valid] of [
          ["/admin/v1/credentials", { type: "token", role: "reader", name: "@" }],
          ["/v3/auth/tokens", { auth: { identity: { methods: ["password"], password: { user: { name: "@" } } } } }],
        ] as const) {
          const res = await c.keystone("POST", path, withRaw(valid, deep));
          expect(res.status, path).toBe(400);
          isKeystoneError(await res.json(), 400);
        }
      });

      it("a body nested half a million levels deep is a 400 too", async () => {
        const res = await c.keystone("POST", "/v3/regions", withRaw({ region: { id: "@" } }, deepArray(500_000)));
        expect(res.status).toBe(400);
      });

      it("import, all three formats: a record holding a deep value is rejected in a 422 report, nothing written", async () => {
        const before = await stored();
        const docs = {
          canonical: withRaw([{ name: "c-deep", description: "@" }], deep),
          keystone: withRaw({ regions: [{ id: "k-deep", locales: "@" }] }, deep),
          rainbond: withRaw([{ region_name: "r-deep", region_alias: "@" }], deep),
        };
        for (const [format, text] of Object.entries(docs)) {
          const res = await importDoc(format, text);
          expect(res.status, format).toBe(422);
          const report = (await res.json()) as { rejected: { index: number; reason: string; record: unknown }[] };
          expect(report.rejected).toHaveLength(1);
          expect(report.rejected[0]?.reason).toMatch(/nested more than 64 levels/);
          // the report shows the record as far as it can be shown
          expect(JSON.stringify(report.rejected[0]?.record).length).toBeLessThan(1000);
        }
        expect(await stored()).toBe(before);
      });
    });

    describe("2. __proto__, constructor and prototype keys are refused wherever user JSON is read", () => {
      // raw JSON text: in a JavaScript literal, "__proto__" would set the prototype, not a key
      const deepProto = `{"region":{${'"__proto__":{'.repeat(40)}"x":1${"}".repeat(40)}}}`;

      it("Keystone bodies: the issue's cases and their siblings are 400s, nothing stored", async () => {
        const before = await stored();
        const bodies: [string, string, string][] = [
          ["POST", "/v3/regions", '{"region":{"id":"p1","__proto__":"a\\u0000b"}}'],
          ["POST", "/v3/regions", '{"region":{"id":"p3","__proto__":{"x":"\\ud800"}}}'],
          ["POST", "/v3/regions", '{"region":{"id":"lp1","locales":{"__proto__":"a\\u0000"}}}'],
          ["POST", "/v3/regions", '{"region":{"id":"p4","__proto__":"plain"}}'],
          ["POST", "/v3/regions", '{"region":{"id":"c1","constructor":"x"}}'],
          ["POST", "/v3/regions", '{"region":{"id":"c2","x":{"a":[{"prototype":1}]}}}'],
          ["POST", "/v3/regions", '{"__proto__":{"region":{"id":"c3"}},"region":{"id":"c3"}}'],
          ["PUT", "/v3/regions/c4", '{"region":{"locales":{"constructor":"x"}}}'],
          ["PATCH", "/v3/regions/ks-1", deepProto],
          ["PATCH", "/v3/regions/ks-1", '{"region":{"__proto__":"x"}}'],
          ["PATCH", "/v3/regions/ks-1", '{"region":{"description":"d","prototype":{}}}'],
        ];
        for (const [method, path, body] of bodies) {
          const res = await c.keystone(method, path, body);
          expect(res.status, body).toBe(400);
          const answer = (await res.json()) as { error: { message: string } };
          isKeystoneError(answer, 400);
          expect(answer.error.message).toMatch(/property name "(__proto__|constructor|prototype)" is not allowed/);
        }
        expect(await stored()).toBe(before);
      });

      it("Rainbond bodies: 400 in the console's shape, under the key it is in, nothing stored", async () => {
        const before = await stored();
        const add = JSON.stringify(addBody("rb-proto")).slice(0, -1);
        const cases: [string, string, string][] = [
          ["POST", "/openapi/v1/regions", `${add},"__proto__":{"region_name":"evil"}}`],
          ["POST", "/openapi/v2/manage/regions", `${add},"constructor":"x"}`],
          ["POST", "/openapi/v2/manage/regions", `${add.replace('"region_alias":', '"region_alias":{"prototype":1},"x":')}}`],
          ["PUT", `/openapi/v2/manage/regions/${regionId}`, `${JSON.stringify(putBody()).slice(0, -1)},"__proto__":null}`],
          ["POST", "/openapi/v1/grctl/ip", '{"region_name":"rb-1","__proto__":{"url":"https://evil.example.com"}}'],
        ];
        for (const [method, path, body] of cases) {
          const res = await c.rainbond(method, path, body);
          expect(res.status, body).toBe(400);
          const answer = (await res.json()) as { err: Record<string, string[]> };
          expect(answer).toMatchObject({ detail: "参数错误", code: 20400 });
          expect(Object.values(answer.err).flat().join()).toMatch(/不允许使用属性名/);
        }
        const nested = await c.rainbond("POST", "/openapi/v1/regions", cases[2]?.[2]);
        expect(((await nested.json()) as { err: Record<string, string[]> }).err).toHaveProperty("region_alias");
        expect(await stored()).toBe(before);
      });

      it("admin API and Keystone login: 400 in Keystone's shape", async () => {
        const credentials = () => t.catalog.identity().credentials.length;
        const count = credentials();
        for (const [path, body] of [
          ["/admin/v1/credentials", '{"type":"token","role":"reader","__proto__":{"role":"admin"}}'],
          ["/admin/v1/credentials", '{"type":"token","role":"reader","constructor":{}}'],
          ["/v3/auth/tokens", '{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}},"__proto__":{"scope":1}}}'],
        ]) {
          const res = await c.keystone("POST", path as string, body as string);
          expect(res.status, body).toBe(400);
          expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/is not allowed/);
        }
        expect(credentials()).toBe(count);
      });

      it("a region stored before the rule with such an extra keeps it and stays writable in both dialects", async () => {
        const legacy = await t.catalog.create({
          ...newRegionInput("legacy-proto", "legacyuid"),
          scope: "public",
          apiUrl: "https://10.0.0.1:8443",
          wsUrl: "wss://10.0.0.1:6060",
          httpDomain: "apps.example.com",
          tcpDomain: "10.0.0.1",
          extra: JSON.parse('{"__proto__":"legacy","k":1}'),
        });
        const patched = await c.keystone("PATCH", "/v3/regions/legacy-proto", { region: { description: "d", k: 2 } });
        expect(patched.status).toBe(200);
        expect(await patched.text()).toContain('"__proto__":"legacy"');
        expect((await c.rainbond("PUT", `/openapi/v2/manage/regions/${legacy.uid}`, putBody())).status).toBe(200);
        expect(Object.entries(t.catalog.get("legacy-proto")?.extra ?? {}).sort()).toEqual([
          ["__proto__", "legacy"],
          ["k", 2],
        ]);
        expect((await c.keystone("DELETE", "/v3/regions/legacy-proto")).status).toBe(204);
      });

      it("import, all three formats: the record is rejected in a 422 report, nothing written", async () => {
        const before = await stored();
        const docs: [string, string][] = [
          ["canonical", '[{"name":"c-x","__proto__":1}]'],
          ["canonical", '[{"name":"c-y","extra":{"k":{"constructor":1}}}]'],
          ["keystone", '{"regions":[{"id":"k-x","__proto__":"a\\u0000"}]}'],
          ["keystone", '{"regions":[{"id":"k-y","locales":{"prototype":"x"}}]}'],
          ["rainbond", `[${JSON.stringify(addBody("r-x")).slice(0, -1)},"__proto__":{"status":"9"}}]`],
        ];
        for (const [format, text] of docs) {
          const res = await importDoc(format, text);
          expect(res.status, text).toBe(422);
          const report = (await res.json()) as { rejected: { reason: string; record: Record<string, unknown> }[] };
          expect(report.rejected).toHaveLength(1);
          expect(report.rejected[0]?.reason).toMatch(/property name "(__proto__|constructor|prototype)" is not allowed/);
        }
        expect(await stored()).toBe(before);
      });
    });

    describe("3. a value with its own toString (or valueOf) is refused, never coerced", () => {
      const hostile = ['{"toString":1}', '{"valueOf":1,"toString":1}', '[{"toString":1}]', '{"toString":{}}'];

      it("import: the record is rejected in a 422 report, in every format and field that is read as text", async () => {
        const before = await stored();
        for (const value of hostile) {
          const docs: [string, string][] = [
            ["canonical", `[{"name":${value}}]`],
            ["canonical", `[{"name":"c-ts","description":${value}}]`],
            ["rainbond", `[{"region_name":"x","status":${value}}]`],
            ["rainbond", `[{"region_name":${value}}]`],
            ["rainbond", `[${JSON.stringify(addBody("r-ts")).slice(0, -1)},"desc":${value}}]`],
            ["keystone", `[{"id":${value}}]`],
            ["keystone", `[{"id":"k-ts","parent_region_id":${value}}]`],
          ];
          for (const [format, text] of docs) {
            const res = await importDoc(format, text);
            expect(res.status, text).toBe(422);
            expect(((await res.json()) as { rejected: unknown[] }).rejected, text).toHaveLength(1);
          }
        }
        expect(await stored()).toBe(before);
      });

      it("bodies: 400 in each dialect's shape", async () => {
        const before = await stored();
        for (const value of hostile) {
          const ks = await c.keystone("POST", "/v3/regions", `{"region":{"id":${value}}}`);
          expect(ks.status).toBe(400);
          isKeystoneError(await ks.json(), 400);
          const rb = await c.rainbond("POST", "/openapi/v2/manage/regions", withRaw(addBody("rb-ts", { status: "@" }), value));
          expect(rb.status).toBe(400);
          isRainbondError(await rb.json());
          const admin = await c.keystone("POST", "/admin/v1/credentials", `{"type":"token","role":"reader","name":${value}}`);
          expect(admin.status).toBe(400);
        }
        expect(await stored()).toBe(before);
      });

      it("a query parameter naming an Object.prototype member is no comparator: ignored, as unknown ones are", async () => {
        await c.keystone("POST", "/v3/regions", { region: { id: "child-ts", parent_region_id: "ks-1" } });
        const all = await (await c.keystone("GET", "/v3/regions")).json();
        for (const op of ["__proto__", "toString", "constructor", "hasOwnProperty", "valueOf"]) {
          const res = await c.keystone("GET", `/v3/regions?parent_region_id__${op}=x`);
          expect(res.status, op).toBe(200);
          expect(((await res.json()) as { regions: unknown[] }).regions).toEqual((all as { regions: unknown[] }).regions);
        }
        await t.catalog.remove("child-ts");
      });

      it("a key named toString is plain data: kept as an extra, ignored by Rainbond", async () => {
        const ks = await c.keystone("POST", "/v3/regions", '{"region":{"id":"ts-extra","toString":1,"valueOf":{"x":1}}}');
        expect(ks.status).toBe(201);
        expect(await ks.json()).toMatchObject({ region: { id: "ts-extra", toString: 1, valueOf: { x: 1 } } });
        const rb = await c.rainbond("POST", "/openapi/v1/regions", withRaw(addBody("rb-ts-key", { toString: "@" }), "1"));
        expect(rb.status).toBe(201);
        for (const name of ["ts-extra", "rb-ts-key"]) await t.catalog.remove(name);
      });
    });

    describe("4. NUL in a query or path value that reaches SQL", () => {
      it("the audit filters: 400 in Keystone's shape", async () => {
        for (const query of ["region=%00", "subject=%00", "subject=a%00b", "subject=x&region=%00"]) {
          const res = await c.keystone("GET", `/admin/v1/audit?${query}`);
          expect(res.status, query).toBe(400);
          const body = (await res.json()) as { error: { message: string } };
          isKeystoneError(body, 400);
          expect(body.error.message).toMatch(/NUL/);
        }
        expect((await c.keystone("GET", "/admin/v1/audit?region=ks-1")).status).toBe(200);
      });

      it("a credential id: 404, nothing revoked", async () => {
        const count = t.catalog.identity().credentials.length;
        for (const id of ["%00", "a%00b", "%00%00"]) {
          const res = await c.keystone("DELETE", `/admin/v1/credentials/${id}`);
          expect(res.status, id).toBe(404);
          isKeystoneError(await res.json(), 404);
        }
        expect(t.catalog.identity().credentials.length).toBe(count);
      });

      it("a NUL that got past every route check is still a 400 (validation), not a driver error", async () => {
        await expect(t.catalog.audit({ subject: "a\u0000b", limit: 1 })).rejects.toMatchObject({
          code: "validation",
          message: expect.stringMatching(/NUL/),
        });
      });

      it("every other path or query value is answered without a 5xx (they never reach SQL)", async () => {
        const keystone = [
          ["GET", "/v3/regions/%00"],
          ["PUT", "/v3/regions/%00"],
          ["PATCH", "/v3/regions/%00"],
          ["DELETE", "/v3/regions/%00"],
          ["GET", "/v3/regions?parent_region_id=%00"],
          ["GET", "/v3/regions?name=%00&parent_region_id__contains=%00"],
          ["GET", "/admin/v1/regions/health?expiring_within=%00"],
          ["GET", "/admin/v1/export?format=%00"],
          ["POST", "/admin/v1/import?format=canonical&mode=%00"],
          ["GET", "/admin/v1/audit?limit=%00"],
        ] as const;
        for (const [method, path] of keystone) {
          const res = await c.keystone(method, path, method === "GET" || method === "DELETE" ? undefined : { region: {} });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        }
        const rainbond = [
          ["GET", "/openapi/v1/regions/%00"],
          ["GET", "/openapi/v2/manage/regions/%00"],
          ["PUT", "/openapi/v2/manage/regions/%00"],
          ["DELETE", "/openapi/v2/manage/regions/%00"],
          ["GET", "/openapi/v2/manage/regions?query=%00&current=%00&pageSize=%00"],
        ] as const;
        for (const [method, path] of rainbond) {
          const res = await c.rainbond(method, path, method === "PUT" ? putBody() : undefined);
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        }
      });
    });

    describe("8. values are refused, never silently altered", () => {
      it("a number out of range (1e309) is a 400 in each dialect, nothing stored; a large finite one is kept", async () => {
        const before = await stored();
        for (const number of ["1e309", "-1e309", "123e456789"]) {
          for (const [method, path, template] of [
            ["POST", "/v3/regions", { region: { id: "inf1", big: "@" } }],
            ["PATCH", "/v3/regions/ks-1", { region: { nested: { list: [1, "@"] } } }],
            ["POST", "/v3/auth/tokens", { auth: { identity: { methods: ["token"], token: { id: "@" } } } }],
            ["POST", "/admin/v1/credentials", { type: "token", role: "reader", expires_at: "@" }],
          ] as const) {
            const res = await c.keystone(method, path, withRaw(template, number));
            expect(res.status, `${method} ${path} ${number}`).toBe(400);
            const body = (await res.json()) as { error: { message: string } };
            isKeystoneError(body, 400);
            expect(body.error.message).toMatch(/out of range/);
          }
          const rb = await c.rainbond(
            "POST",
            "/openapi/v2/manage/regions",
            withRaw(addBody("rb-inf", { region_alias: "@" }), number),
          );
          expect(rb.status).toBe(400);
          expect(((await rb.json()) as { err: Record<string, string[]> }).err).toEqual({ region_alias: ["数值超出范围。"] });
        }
        expect(await stored()).toBe(before);
        const finite = await c.keystone("POST", "/v3/regions", '{"region":{"id":"fin1","big":1.7976931348623157e308}}');
        expect(finite.status).toBe(201);
        expect(((await finite.json()) as { region: { big: number } }).region.big).toBe(Number.MAX_VALUE);
        await t.catalog.remove("fin1");
      });

      it("numbers in query strings: out of range is a 400 or the default, never a 5xx", async () => {
        const huge = `1${"0".repeat(400)}`;
        for (const limit of ["1e309", huge, "Infinity", "-1e309"]) {
          expect((await c.keystone("GET", `/admin/v1/audit?limit=${limit}`)).status, limit).toBe(400);
        }
        expect((await c.keystone("GET", `/admin/v1/regions/health?expiring_within=${huge}d`)).status).toBe(400);
        for (const q of [`current=${huge}`, `pageSize=${huge}`, `current=2&pageSize=${huge}`, "current=1e309&pageSize=-1e309"]) {
          const res = await c.rainbond("GET", `/openapi/v2/manage/regions?${q}`);
          expect(res.status, q).toBe(200);
          expect(await res.json(), q).toMatchObject({ total: expect.any(Number), data: expect.any(Array) });
        }
      });

      it("import: a record holding a number out of range is rejected (422)", async () => {
        const before = await stored();
        for (const [format, text] of [
          ["canonical", '[{"name":"c-inf","extra":{"big":1e309}}]'],
          ["keystone", '{"regions":[{"id":"k-inf","big":-1e309}]}'],
          ["rainbond", `[${JSON.stringify(addBody("r-inf")).slice(0, -1)},"desc":1e309}]`],
        ]) {
          const res = await importDoc(format as string, text as string);
          expect(res.status, text).toBe(422);
          const report = (await res.json()) as { rejected: { reason: string }[] };
          expect(report.rejected[0]?.reason).toMatch(/out of range/);
        }
        expect(await stored()).toBe(before);
      });

      it("a lone surrogate in any credential field is a 400, nothing created; logging in with it fails", async () => {
        const count = t.catalog.identity().credentials.length;
        const bodies = [
          { type: "token", role: "reader", name: "u\udc00" },
          { type: "password", role: "reader", user_name: "u\udc00", password: "long-enough" },
          { type: "password", role: "reader", user_name: "plain-user", password: "pass\ud800word" },
          { type: "password", role: "reader", user_name: "plain-user", password: "long-enough", name: "\ud800" },
          { type: "access_key", role: "reader", enterprise_id: "e\udfff" },
          { type: "token", role: "reader", private_regions: ["ks-1\ud800"] },
        ];
        for (const body of bodies) {
          const res = await c.keystone("POST", "/admin/v1/credentials", body);
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/surrogate|no region named/);
        }
        expect(t.catalog.identity().credentials.length).toBe(count);
        const login = await c.keystone(
          "POST",
          "/v3/auth/tokens",
          {
            auth: {
              identity: {
                methods: ["password"],
                password: { user: { name: "u\udc00", domain: { id: "default" }, password: "long-enough" } },
              },
            },
          },
          null,
        );
        expect(login.status).toBe(401);
      });

      it("a stored password containing U+FFFD is not matched by one with a lone surrogate in its place", async () => {
        const created = await c.keystone("POST", "/admin/v1/credentials", {
          type: "password",
          role: "reader",
          user_name: "fffd-user",
          password: "pass\ufffdword",
        });
        expect(created.status).toBe(201);
        const login = (password: string) =>
          c.keystone(
            "POST",
            "/v3/auth/tokens",
            {
              auth: {
                identity: {
                  methods: ["password"],
                  password: { user: { name: "fffd-user", domain: { id: "default" }, password } },
                },
              },
            },
            null,
          );
        expect((await login("pass\ufffdword")).status).toBe(201);
        expect((await login("pass\ud800word")).status).toBe(401);
      });
    });

    describe("found by the fuzz suite", () => {
      it("a region_id outside Latin-1 (or holding a quote) is stored and served, with an ASCII ETag that works", async () => {
        for (const uid of ["مرحبا بالعالم", "华东-1", 'q"uote', "é"]) {
          const created = await c.rainbond(
            "POST",
            "/openapi/v2/manage/regions",
            addBody(`rb-uid-${uid.length}`, { region_id: uid }),
          );
          expect(created.status, uid).toBe(201);
          const etag = created.headers.get("ETag") as string;
          expect(etag).toMatch(/^"[\x21\x23-\x7e]+"$/);
          const path = `/openapi/v2/manage/regions/${encodeURIComponent(uid)}`;
          const shown = await c.rainbond("GET", path);
          expect(shown.status).toBe(200);
          expect(shown.headers.get("ETag")).toBe(etag);
          expect(((await shown.json()) as { region_id: string }).region_id).toBe(uid);
          const cached = await t.app.request(`http://gw.test${path}`, {
            headers: { Authorization: adminToken, "If-None-Match": etag },
          });
          expect(cached.status).toBe(304);
          const put = await t.app.request(`http://gw.test${path}`, {
            method: "PUT",
            headers: { Authorization: adminToken, "Content-Type": "application/json", "If-Match": etag },
            body: JSON.stringify(putBody()),
          });
          expect(put.status).toBe(200);
          expect((await c.rainbond("DELETE", path)).status).toBe(200);
        }
      });
    });
  });
}
