import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { capture } from "../support/keystone-captures.ts";
import { adminToken, clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

const base = "http://gw.test";
type ErrorBody = { error: { code: number; title: string; message: string } };

/** Every Keystone error is `{"error":{"code","title","message"}}`, nothing more, as JSON. */
async function keystoneError(res: Response, status: number, title: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(res.headers.get("Vary")).toBe("X-Auth-Token");
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "title"]);
  expect(body.error.code).toBe(status);
  expect(body.error.title).toBe(title);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

const capturedError = (n: number) => capture(n).response?.json as ErrorBody;

for (const backend of backends) {
  describe.skipIf(!backend.available)(`Keystone errors and headers (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
      for (const region of [{ id: "cn-north-1" }, { id: "child", parent_region_id: "cn-north-1" }]) {
        expect((await c.keystone("POST", "/v3/regions", { region })).status).toBe(201);
      }
    });
    afterAll(() => t?.close());

    const raw = (method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) =>
      t.app.request(`${base}${path}`, {
        method,
        headers: { "X-Auth-Token": adminToken, ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });

    describe("authentication (X-Auth-Token)", () => {
      const routes: [string, string, unknown?][] = [
        ["GET", "/v3/regions"],
        ["GET", "/v3/regions?parent_region_id=cn-north-1"],
        ["POST", "/v3/regions", { region: { id: "unauth-1" } }],
        ["GET", "/v3/regions/cn-north-1"],
        ["GET", "/v3/regions/does-not-exist"],
        ["PUT", "/v3/regions/unauth-2", { region: {} }],
        ["PATCH", "/v3/regions/cn-north-1", { region: { description: "hacked" } }],
        ["DELETE", "/v3/regions/cn-north-1"],
      ];

      it.each(routes)(
        "%s %s without a token: 401, Keystone's body, WWW-Authenticate (captures 19, 34)",
        async (method, path, body) => {
          const res = await c.keystone(method, path, body, null);
          await keystoneError(res.clone(), 401, "Unauthorized");
          expect(await res.json()).toEqual(capturedError(19));
          expect(res.headers.get("WWW-Authenticate")).toBe(`Keystone uri="${base}/v3"`);
        },
      );

      it.each(routes)("%s %s with a bad token: 401 (capture 20)", async (method, path, body) => {
        const res = await c.keystone(method, path, body, "not-a-token");
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual(capturedError(20));
        expect(res.headers.get("WWW-Authenticate")).toBe(`Keystone uri="${base}/v3"`);
      });

      it("nothing changed behind the 401s", async () => {
        const show = await c.keystone("GET", "/v3/regions/cn-north-1");
        expect(((await show.json()) as { region: { description: string } }).region.description).toBe("");
        expect((await c.keystone("GET", "/v3/regions/unauth-1")).status).toBe(404);
        expect((await c.keystone("GET", "/v3/regions/unauth-2")).status).toBe(404);
      });

      it.each([
        ["an empty X-Auth-Token", { "X-Auth-Token": "" }],
        ["blank X-Auth-Token", { "X-Auth-Token": "   " }],
        ["the admin token in Authorization (Rainbond's header) only", { Authorization: adminToken }],
        ["the admin token as a Bearer token only", { Authorization: `Bearer ${adminToken}` }],
        ["a token that extends the admin token", { "X-Auth-Token": `${adminToken}x` }],
      ])("%s: 401", async (_label, headers) => {
        const res = await t.app.request(`${base}/v3/regions`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toBe(`Keystone uri="${base}/v3"`);
      });

      it("HEAD without a token: 401 with the header and no body", async () => {
        const res = await c.keystone("HEAD", "/v3/regions", undefined, null);
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toBe(`Keystone uri="${base}/v3"`);
        expect(await res.text()).toBe("");
      });

      it("version discovery needs no token", async () => {
        expect((await c.keystone("GET", "/v3", undefined, null)).status).toBe(200);
        expect((await c.keystone("GET", "/", undefined, null)).status).toBe(300);
      });

      it("the WWW-Authenticate uri follows PUBLIC_URL", async () => {
        const pub = await openTestApp(backend, { publicUrl: "https://keystone.example.com:5000" });
        try {
          const res = await clients(pub.app).keystone("GET", "/v3/regions", undefined, null);
          expect(res.status).toBe(401);
          expect(res.headers.get("WWW-Authenticate")).toBe('Keystone uri="https://keystone.example.com:5000/v3"');
        } finally {
          await pub.close();
        }
      });
    });

    describe("request bodies", () => {
      it("malformed JSON: 400 with Keystone's exact body (capture 27)", async () => {
        const res = await raw("POST", "/v3/regions", {
          body: '{"region": {"id": "bad-2",',
          headers: { "Content-Type": "application/json" },
        });
        await keystoneError(res.clone(), 400, "Bad Request");
        expect(await res.json()).toEqual(capturedError(27));
      });

      it("Content-Type text/plain: 400 with Keystone's exact body (capture 32)", async () => {
        const res = await raw("POST", "/v3/regions", {
          body: '{"region": {"id": "bad-7"}}',
          headers: { "Content-Type": "text/plain" },
        });
        await keystoneError(res.clone(), 400, "Bad Request");
        expect(await res.json()).toEqual(capturedError(32));
        expect((await c.keystone("GET", "/v3/regions/bad-7")).status).toBe(404);
      });

      it.each([
        ["PUT", "/v3/regions/bad-put"],
        ["PATCH", "/v3/regions/cn-north-1"],
      ])("%s %s: malformed JSON and text/plain are 400 too", async (method, path) => {
        const malformed = await raw(method, path, { body: "{", headers: { "Content-Type": "application/json" } });
        expect(await malformed.json()).toEqual(capturedError(27));
        const plain = await raw(method, path, {
          body: '{"region":{"description":"x"}}',
          headers: { "Content-Type": "text/plain" },
        });
        expect(await plain.json()).toEqual(capturedError(32));
      });

      it.each([
        {
          label: "missing wrapper (capture 28)",
          body: { id: "bad-3", description: "no wrapper" },
          message: "None is not of type 'object'",
        },
        {
          label: "region not an object (capture 29)",
          body: { region: "cn-north-9" },
          message: "'cn-north-9' is not of type 'object'",
        },
        { label: "region an array", body: { region: [] }, message: "[] is not of type 'object'" },
        { label: "region null", body: { region: null }, message: "None is not of type 'object'" },
        { label: "a JSON array", body: [], message: "None is not of type 'object'" },
        { label: "an empty body", body: "", message: "None is not of type 'object'" },
        {
          label: "description not a string (capture 26)",
          body: { region: { id: "bad-1", description: 123 } },
          message: "Invalid input for field 'description': 123 is not of type 'string', 'null'",
        },
        { label: "description a list", body: { region: { id: "bad-1", description: ["a"] } }, message: /field 'description'/ },
        {
          label: "description over 255 characters",
          body: { region: { id: "bad-1", description: "d".repeat(256) } },
          message: /field 'description'/,
        },
        {
          label: "id not a string",
          body: { region: { id: 1234 } },
          message: "Invalid input for field 'id': 1234 is not of type 'string'",
        },
        {
          label: "parent not a string",
          body: { region: { id: "bad-1", parent_region_id: 5 } },
          message: /field 'parent_region_id'/,
        },
        { label: "type not public or private", body: { region: { id: "bad-1", type: "hybrid" } }, message: /field 'type'/ },
        {
          label: "locales not an object of strings",
          body: { region: { id: "bad-1", locales: { "en-us": 1 } } },
          message: /field 'locales'/,
        },
        { label: "id with a slash", body: { region: { id: "a/b" } }, message: /field 'id'/ },
        { label: "id with a control character", body: { region: { id: "a\u0001b" } }, message: /field 'id'/ },
        { label: "id '..' (unreachable through a URL)", body: { region: { id: ".." } }, message: /field 'id'/ },
        { label: "id '.'", body: { region: { id: "." } }, message: /field 'id'/ },
        {
          label: "a locale name over 255",
          body: { region: { id: "bad-1", locales: { "zh-cn": "x".repeat(256) } } },
          message: /field 'locales\/zh-cn'/,
        },
      ])("POST with $label: 400", async ({ body, message }) => {
        const res = await c.keystone("POST", "/v3/regions", body);
        const got = await keystoneError(res, 400, "Bad Request");
        if (typeof message === "string") expect(got).toBe(message);
        else expect(got).toMatch(message);
        expect((await c.keystone("GET", "/v3/regions/bad-1")).status).toBe(404);
      });

      it("an id over 255 characters: 400 with Keystone's exact body (capture 31)", async () => {
        const res = await c.keystone("POST", "/v3/regions", capture(31).request.json);
        await keystoneError(res.clone(), 400, "Bad Request");
        expect(await res.json()).toEqual(capturedError(31));
      });

      it("an id of exactly 255 characters is fine", async () => {
        const id = "i".repeat(255);
        const res = await c.keystone("POST", "/v3/regions", { region: { id } });
        expect(res.status).toBe(201);
        expect((await c.keystone("GET", `/v3/regions/${id}`)).status).toBe(200);
      });

      it("PUT with a URL id over 255 characters: 400 with the same message", async () => {
        const id = "x".repeat(300);
        const res = await c.keystone("PUT", `/v3/regions/${id}`, { region: {} });
        expect(await res.json()).toEqual(capturedError(31));
      });

      it.each([
        { label: "description not a string", region: { description: 5 }, message: /field 'description'/ },
        { label: "parent not a string", region: { parent_region_id: true }, message: /field 'parent_region_id'/ },
        { label: "id not a string", region: { id: 7 }, message: /field 'id'/ },
      ])("PATCH with $label: 400", async ({ region, message }) => {
        const res = await c.keystone("PATCH", "/v3/regions/cn-north-1", { region });
        expect(await keystoneError(res, 400, "Bad Request")).toMatch(message);
      });

      it("PATCH without wrapper: 400 None is not of type 'object'", async () => {
        const res = await c.keystone("PATCH", "/v3/regions/cn-north-1", { description: "x" });
        expect(await keystoneError(res, 400, "Bad Request")).toBe("None is not of type 'object'");
      });

      it("POST with an unknown parent: 404 with Keystone's exact body (capture 30)", async () => {
        const res = await c.keystone("POST", "/v3/regions", { region: { id: "bad-5", parent_region_id: "nope" } });
        await keystoneError(res.clone(), 404, "Not Found");
        expect(await res.json()).toEqual(capturedError(30));
        expect((await c.keystone("GET", "/v3/regions/bad-5")).status).toBe(404);
      });

      it.each(["a/b", "p".repeat(300)])(
        "POST with a parent no region can have (%s): 404 naming it, as for any unknown parent",
        async (parent) => {
          const res = await c.keystone("POST", "/v3/regions", { region: { id: "bad-6", parent_region_id: parent } });
          expect(await res.json()).toEqual({
            error: { code: 404, title: "Not Found", message: `Could not find region: ${parent}.` },
          });
          expect(res.status).toBe(404);
        },
      );

      it.each([
        ["a C1 control character", "c1\u0085x", "must not contain '/' or control characters"],
        ["surrounding whitespace", " padded ", "must not start or end with whitespace"],
        ["a lone surrogate", "sur\ud800", "must not contain the NUL character or a lone UTF-16 surrogate"],
      ])(
        "an id with %s: 400 naming field 'id' (never the canonical 'name'); as a parent, 404 naming it",
        async (_, id, problem) => {
          const res = await c.keystone("POST", "/v3/regions", { region: { id } });
          expect(await keystoneError(res, 400, "Bad Request")).toBe(`Invalid input for field 'id': '${id}' ${problem}`);
          const child = await c.keystone("POST", "/v3/regions", { region: { id: "bad-7", parent_region_id: id } });
          expect(await child.json()).toEqual({
            error: { code: 404, title: "Not Found", message: `Could not find region: ${id}.` },
          });
          expect(child.status).toBe(404);
          const patched = await c.keystone("PATCH", "/v3/regions/cn-north-1", { region: { parent_region_id: id } });
          expect(patched.status).toBe(404);
          expect((await c.keystone("GET", "/v3/regions/bad-7")).status).toBe(404);
        },
      );

      const nested = (levels: number): unknown => (levels === 0 ? "leaf" : { k: nested(levels - 1) });
      it.each<[string, Record<string, unknown>, string, string]>([
        [
          "a description",
          { description: "a\u0000" },
          "description",
          "must not contain the NUL character or a lone UTF-16 surrogate",
        ],
        ["a locale's name", { locales: { "zh-cn": "a\ud800" } }, "locales/zh-cn", "must not contain the NUL character"],
        ["a locale", { locales: { "zh\u0000": "x" } }, "locales/zh\u0000", "must not contain the NUL character"],
        ["an extra property", { foo: ["a\u0000"] }, "foo", "must not contain the NUL character"],
        ["an extra property's name", { "f\ud800": 1 }, "f\ud800", "must not contain the NUL character"],
        ["an extra property nested over 32 levels", { foo: nested(40) }, "foo", "must not be nested more than 32 levels deep"],
      ])(
        "a value PostgreSQL cannot hold in %s: 400 naming the Keystone field (never a canonical one)",
        async (_, props, field, problem) => {
          for (const [method, path, region] of <[string, string, Record<string, unknown>][]>[
            ["POST", "/v3/regions", { id: "bad-8", ...props }],
            ["PATCH", "/v3/regions/cn-north-1", props],
          ]) {
            const message = await keystoneError(await c.keystone(method, path, { region }), 400, "Bad Request");
            expect(message.startsWith(`Invalid input for field '${field}': `)).toBe(true);
            expect(message).toContain(problem);
          }
          expect((await c.keystone("GET", "/v3/regions/bad-8")).status).toBe(404);
        },
      );

      it("POST of an existing id: 409 with Keystone's exact body (capture 25), duplicate checked before the parent", async () => {
        const res = await c.keystone("POST", "/v3/regions", {
          region: { id: "cn-north-1", description: "dup", parent_region_id: "nope" },
        });
        await keystoneError(res.clone(), 409, "Conflict");
        expect(await res.json()).toEqual(capturedError(25));
      });
    });

    describe("wrong methods, unknown paths", () => {
      it.each([
        ["PUT", "/v3/regions", "GET, HEAD, POST"],
        ["DELETE", "/v3/regions", "GET, HEAD, POST"],
        ["PATCH", "/v3/regions", "GET, HEAD, POST"],
        ["POST", "/v3/regions/post-member", "GET, HEAD, PUT, PATCH, DELETE"],
        ["POST", "/v3", "GET, HEAD"],
        ["DELETE", "/v3", "GET, HEAD"],
      ])(
        "%s %s: 405 in Keystone's shape, Allow: %s (captures 36-39 closed the connection instead)",
        async (method, path, allow) => {
          const res = await c.keystone(method, path, { region: { id: "put-1", description: "x" } });
          await keystoneError(res.clone(), 405, "Method Not Allowed");
          const allowed = (res.headers.get("Allow") ?? "").split(",").map((m) => m.trim());
          expect(allowed.sort()).toEqual(allow.split(", ").sort());
        },
      );

      it("the 405s created nothing", async () => {
        expect((await c.keystone("GET", "/v3/regions/put-1")).status).toBe(404);
        expect((await c.keystone("GET", "/v3/regions/post-member")).status).toBe(404);
      });

      it.each(["/v3/foo", "/v3/regionz", "/v3/regions/cn-north-1/extra", "/v3/auth/system", "/v2.0/tenants", "/nothing-here"])(
        "GET %s: 404 in Keystone's shape",
        async (path) => {
          const res = await c.keystone("GET", path);
          await keystoneError(res, 404, "Not Found");
        },
      );
    });

    describe("body size limit (1 MiB)", () => {
      const big = (bytes: number) => JSON.stringify({ region: { id: "big", description: "a".repeat(bytes) } });

      it("a body over 1 MiB: 413 as JSON, Connection: close (capture 35 was an HTML page)", async () => {
        const res = await raw("POST", "/v3/regions", {
          body: big(2 * 1024 * 1024),
          headers: { "Content-Type": "application/json" },
        });
        expect(res.headers.get("Connection")).toBe("close");
        await keystoneError(res, 413, "Request Entity Too Large");
      });

      it("with a declared Content-Length: 413 before the body is read", async () => {
        const body = big(1024 * 1024 + 10);
        const res = await raw("POST", "/v3/regions", {
          body,
          headers: { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) },
        });
        expect(res.headers.get("Connection")).toBe("close");
        await keystoneError(res, 413, "Request Entity Too Large");
      });

      it.each(["PUT", "PATCH"])("%s over 1 MiB: 413", async (method) => {
        const res = await raw(method, "/v3/regions/cn-north-1", {
          body: big(1024 * 1024 + 1),
          headers: { "Content-Type": "application/json" },
        });
        expect(res.status).toBe(413);
        expect(res.headers.get("Connection")).toBe("close");
      });

      it("nothing was created; a body just under the limit is read (and refused for its 255+ description)", async () => {
        expect((await c.keystone("GET", "/v3/regions/big")).status).toBe(404);
        const res = await raw("POST", "/v3/regions", {
          body: big(1024 * 1024 - 100),
          headers: { "Content-Type": "application/json" },
        });
        expect(await keystoneError(res, 400, "Bad Request")).toMatch(/field 'description'/);
      });
    });

    describe("Vary: X-Auth-Token on every response", () => {
      it.each([
        ["GET", "/", null, 300],
        ["GET", "/v3", null, 200],
        ["GET", "/v3/regions", adminToken, 200],
        ["HEAD", "/v3/regions", adminToken, 200],
        ["GET", "/v3/regions/cn-north-1", adminToken, 200],
        ["HEAD", "/v3/regions/cn-north-1", adminToken, 200],
        ["GET", "/v3/regions/nope", adminToken, 404],
        ["GET", "/v3/regions", null, 401],
        ["PUT", "/v3/regions", adminToken, 405],
        ["GET", "/v3/unknown", adminToken, 404],
      ] as const)("%s %s → %i", async (method, path, token, status) => {
        const res = await c.keystone(method, path, undefined, token);
        expect(res.status).toBe(status);
        expect(res.headers.get("Vary")).toBe("X-Auth-Token");
      });

      it("on 201, 200 (PATCH), 400, 409 and 204", async () => {
        const responses = [
          await c.keystone("POST", "/v3/regions", { region: { id: "vary-1" } }),
          await c.keystone("PATCH", "/v3/regions/vary-1", { region: { description: "v" } }),
          await c.keystone("PATCH", "/v3/regions/vary-1", { region: {} }),
          await c.keystone("PUT", "/v3/regions/vary-1", { region: {} }),
          await c.keystone("DELETE", "/v3/regions/vary-1"),
        ];
        expect(responses.map((r) => r.status)).toEqual([201, 200, 400, 409, 204]);
        for (const r of responses) expect(r.headers.get("Vary")).toBe("X-Auth-Token");
      });
    });

    describe("a reader token (not admin, no private regions)", () => {
      let readerToken = "";
      let grantedToken = "";
      beforeAll(async () => {
        for (const region of [
          { id: "ro-public", type: "public" },
          { id: "ro-private", type: "private" },
          { id: "ro-private-2", type: "private" },
          { id: "ro-private-child", type: "public", parent_region_id: "ro-private" },
        ]) {
          expect((await c.keystone("POST", "/v3/regions", { region })).status).toBe(201);
        }
        readerToken = (await createCredential(t, { type: "token", role: "reader" })).token ?? "";
        grantedToken =
          (await createCredential(t, { type: "token", role: "reader", private_regions: ["ro-private"] })).token ?? "";
        expect(readerToken).not.toBe("");
        expect(grantedToken).not.toBe("");
      });
      const asReader = (method: string, path: string, body?: unknown) => c.keystone(method, path, body, readerToken);

      it("can list and show (capture 21)", async () => {
        expect((await asReader("GET", "/v3/regions")).status).toBe(200);
        expect((await asReader("GET", "/v3/regions/ro-public")).status).toBe(200);
        expect((await asReader("HEAD", "/v3/regions/ro-public")).status).toBe(200);
      });

      it("does not see private regions: not listed, 404 on show and HEAD, not found by ?name=", async () => {
        const ids = ((await (await asReader("GET", "/v3/regions")).json()) as { regions: { id: string }[] }).regions.map(
          (r) => r.id,
        );
        expect(ids).toContain("ro-public");
        expect(ids).not.toContain("ro-private");
        const show = await asReader("GET", "/v3/regions/ro-private");
        expect(show.status).toBe(404);
        expect(await show.json()).toEqual({
          error: { code: 404, title: "Not Found", message: "Could not find region: ro-private." },
        });
        expect((await asReader("HEAD", "/v3/regions/ro-private")).status).toBe(404);
        const byName = (await (await asReader("GET", "/v3/regions?name=ro-private")).json()) as { regions: unknown[] };
        expect(byName.regions).toEqual([]);
      });

      it("a reader granted one private region sees that one only", async () => {
        const ids = (
          (await (await c.keystone("GET", "/v3/regions", undefined, grantedToken)).json()) as { regions: { id: string }[] }
        ).regions.map((r) => r.id);
        expect(ids).toContain("ro-private");
        expect(ids).not.toContain("ro-private-2");
        expect((await c.keystone("GET", "/v3/regions/ro-private", undefined, grantedToken)).status).toBe(200);
        expect((await c.keystone("GET", "/v3/regions/ro-private-2", undefined, grantedToken)).status).toBe(404);
        expect((await c.keystone("DELETE", "/v3/regions/ro-private", undefined, grantedToken)).status).toBe(403);
      });

      it("the admin token sees the private ones", async () => {
        const ids = ((await (await c.keystone("GET", "/v3/regions")).json()) as { regions: { id: string }[] }).regions.map(
          (r) => r.id,
        );
        expect(ids).toEqual(expect.arrayContaining(["ro-public", "ro-private", "ro-private-child"]));
        const show = (await (await c.keystone("GET", "/v3/regions/ro-private")).json()) as { region: { type: string } };
        expect(show.region.type).toBe("private");
      });

      it.each([
        ["POST", "/v3/regions", { region: { id: "ro-new" } }, 33, "identity:create_region"],
        ["PUT", "/v3/regions/ro-new", { region: {} }, 33, "identity:create_region"],
        ["PATCH", "/v3/regions/ro-public", { region: { description: "x" } }, 49, "identity:update_region"],
        ["DELETE", "/v3/regions/ro-public", undefined, 50, "identity:delete_region"],
      ] as const)("%s %s: 403 with Keystone's exact message (capture %i)", async (method, path, body, n, action) => {
        const res = await asReader(method, path, body);
        await keystoneError(res.clone(), 403, "Forbidden");
        const got = (await res.json()) as ErrorBody;
        expect(got).toEqual(capturedError(n));
        expect(got.error.message).toContain(action);
      });

      it("the 403s changed nothing", async () => {
        expect((await c.keystone("GET", "/v3/regions/ro-new")).status).toBe(404);
        const show = (await (await c.keystone("GET", "/v3/regions/ro-public")).json()) as { region: { description: string } };
        expect(show.region.description).toBe("");
      });
    });
  });
}
