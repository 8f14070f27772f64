import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { Principal } from "../../src/domain/principal.ts";
import type { AuthVariables } from "../../src/http/auth.ts";
import { createRouter } from "../../src/http/openapi.ts";
import { updateV2 } from "../../src/http/rainbond-api.ts";
import { backends } from "../support/backends.ts";
import { adminToken, clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody, putBody } from "./rainbond-support.ts";

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; name?: string }> };
};

const pglite = backends.find((b) => b.name === "pglite")!;
const methods = ["get", "post", "put", "patch", "delete"];
/** hono's `/v3/regions/:id` → OpenAPI's `/v3/regions/{id}` */
const openApiPath = (path: string) => path.replaceAll(/:(\w+)/g, "{$1}");

describe("GET /openapi.json", () => {
  let t: TestApp;
  let doc: Document;
  let rb: ReturnType<typeof clients>["rainbond"];
  let ks: ReturnType<typeof clients>["keystone"];
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

  /** The answer's status is documented for this operation, and its body matches the documented schema. */
  async function conforms(method: string, path: string, res: Response, status: number): Promise<void> {
    expect(res.status, `${method} ${path}`).toBe(status);
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is documented`).toBeDefined();
    const documented = op?.responses[String(res.status)];
    expect(documented, `${method} ${path} documents status ${res.status}`).toBeDefined();
    const schema = documented?.content?.["application/json"]?.schema;
    const text = await res.text();
    if (!schema) {
      expect(text).toBe("");
      return;
    }
    matches(schema, JSON.parse(text), `${method} ${path} → ${res.status}`);
  }
  function matches(schema: unknown, body: unknown, what: string): void {
    const validate = ajv.compile({ ...(schema as object), components: doc.components });
    const ok = validate(body);
    expect(ok ? [] : validate.errors, `${what}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
  }
  const component = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  beforeAll(async () => {
    t = await openTestApp(pglite);
    ({ rainbond: rb, keystone: ks } = clients(t.app));
    const res = await t.app.request("http://gw.test/openapi.json");
    expect(res.status).toBe(200);
    doc = (await res.json()) as Document;
  });
  afterAll(() => t?.close());

  it("is OpenAPI 3.1, served without a token, with the three authentication schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes).toMatchObject({
      XAuthToken: { type: "apiKey", in: "header", name: "X-Auth-Token" },
      RawAuthorization: { type: "apiKey", in: "header", name: "Authorization" },
      SdkHmacSha256: { type: "apiKey", in: "header", name: "Authorization" },
    });
    expect(JSON.stringify(doc.components.securitySchemes.SdkHmacSha256)).toContain("SDK-HMAC-SHA256");
  });

  it("no drift: every route the app answers is documented, and nothing else", () => {
    const answered = new Set(
      t.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => methods.includes(m))
          .map((m) => `${m} ${path}`),
      ),
    );
    expect([...answered].sort()).toEqual([...documented].sort());
    // both dialects, the identity routes and the admin API are there
    for (const path of [
      "/openapi/v1/regions",
      "/openapi/v2/manage/regions/{id}",
      "/v3/regions/{id}",
      "/v3/auth/tokens",
      "/admin/v1/credentials",
      "/admin/v1/import",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it("every documented operation answers: no 'no such path' and no 405", async () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((m) => methods.includes(m))) {
        const url = path.replaceAll(/\{\w+\}/g, "openapi-probe-missing");
        const send = path.startsWith("/openapi/") ? rb : ks;
        const res = await send(method.toUpperCase(), url, method === "get" || method === "delete" ? undefined : {});
        const body = await res.text();
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(body, `${method} ${path}`).not.toContain("The resource could not be found.");
        expect(body, `${method} ${path}`).not.toContain("未找到。");
      }
    }
  });

  it("Rainbond answers match the documented schemas: lists, one region, writes, grctl", async () => {
    await conforms("POST", "/openapi/v1/regions", await rb("POST", "/openapi/v1/regions", addBody("doc-v1")), 201);
    const v2 = await rb("POST", "/openapi/v2/manage/regions", addBody("doc-v2"));
    const { region_id: id } = (await v2.clone().json()) as { region_id: string };
    await conforms("POST", "/openapi/v2/manage/regions", v2, 201);
    await conforms("GET", "/openapi/v1/regions", await rb("GET", "/openapi/v1/regions"), 200);
    await conforms("GET", "/openapi/v1/regions/{id}", await rb("GET", "/openapi/v1/regions/doc-v1"), 200);
    await conforms("GET", "/openapi/v2/manage/regions", await rb("GET", "/openapi/v2/manage/regions?pageSize=1"), 200);
    await conforms("GET", "/openapi/v2/manage/regions/{id}", await rb("GET", `/openapi/v2/manage/regions/${id}`), 200);
    await conforms("PUT", "/openapi/v2/manage/regions/{id}", await rb("PUT", `/openapi/v2/manage/regions/${id}`, putBody()), 200);
    const grctl = { region_name: "doc-v1", url: "https://10.0.0.7:8443" };
    await conforms("POST", "/openapi/v1/grctl/ip", await rb("POST", "/openapi/v1/grctl/ip", grctl), 200);
    await conforms("DELETE", "/openapi/v2/manage/regions/{id}", await rb("DELETE", `/openapi/v2/manage/regions/${id}`), 200);
  });

  it("Rainbond errors match: validation, bad JSON, 401, 403, 404 of v1, v2 and grctl, 412, 405", async () => {
    const reader = (await createCredential(t, { type: "token", role: "reader" })).token as string;
    const v2 = "/openapi/v2/manage/regions";
    await conforms("POST", v2, await rb("POST", v2, addBody("x", { url: "not a url" })), 400);
    await conforms("POST", v2, await rb("POST", v2, "{not json"), 400);
    await conforms("GET", v2, await rb("GET", v2, undefined, null), 401);
    await conforms("GET", v2, await rb("GET", v2, undefined, "wrong-token"), 401);
    await conforms("POST", v2, await rb("POST", v2, addBody("by-reader"), reader), 403);
    await conforms("GET", "/openapi/v1/regions/{id}", await rb("GET", "/openapi/v1/regions/nowhere"), 404);
    await conforms("GET", `${v2}/{id}`, await rb("GET", `${v2}/nowhere`), 404);
    await conforms("DELETE", `${v2}/{id}`, await rb("DELETE", `${v2}/nowhere`), 404);
    await conforms("POST", "/openapi/v1/grctl/ip", await rb("POST", "/openapi/v1/grctl/ip", { region_name: "nowhere" }), 404);
    const stale = await t.app.request(`http://gw.test${v2}`, {
      method: "POST",
      headers: { Authorization: adminToken, "Content-Type": "application/json", "If-Match": '"stale"' },
      body: JSON.stringify(addBody("doc-412")),
    });
    await conforms("POST", v2, stale, 412);
    const refused = await rb("PATCH", v2);
    expect(refused.status).toBe(405);
    matches(component("RainbondApiError"), await refused.json(), "405");
  });

  it("Keystone and identity answers match: versions, lists, one region, writes, tokens, catalogue", async () => {
    await conforms("GET", "/", await ks("GET", "/"), 300);
    await conforms("GET", "/v3", await ks("GET", "/v3"), 200);
    await conforms("POST", "/v3/regions", await ks("POST", "/v3/regions", { region: { id: "doc-ks", description: "d" } }), 201);
    await conforms(
      "PUT",
      "/v3/regions/{id}",
      await ks("PUT", "/v3/regions/doc-child", { region: { parent_region_id: "doc-ks", x: 1 } }),
      201,
    );
    await conforms("GET", "/v3/regions", await ks("GET", "/v3/regions"), 200);
    await conforms("GET", "/v3/regions/{id}", await ks("GET", "/v3/regions/doc-child"), 200);
    await conforms("PATCH", "/v3/regions/{id}", await ks("PATCH", "/v3/regions/doc-child", { region: { type: "private" } }), 200);
    await conforms("DELETE", "/v3/regions/{id}", await ks("DELETE", "/v3/regions/doc-child"), 204);

    await createCredential(t, { type: "password", role: "reader", user_name: "doc-user", password: "doc-password-1" });
    const login = {
      auth: { identity: { methods: ["password"], password: { user: { name: "doc-user", password: "doc-password-1" } } } },
    };
    const issued = await ks(
      "POST",
      "/v3/auth/tokens",
      { ...login, auth: { ...login.auth, scope: { project: { name: "p" } } } },
      null,
    );
    const token = issued.headers.get("X-Subject-Token") as string;
    await conforms("POST", "/v3/auth/tokens", issued, 201);
    const subject = (init: string) =>
      t.app.request("http://gw.test/v3/auth/tokens", {
        method: init,
        headers: { "X-Auth-Token": adminToken, "X-Subject-Token": token },
      });
    await conforms("GET", "/v3/auth/tokens", await subject("GET"), 200);
    await conforms("GET", "/v3/auth/catalog", await ks("GET", "/v3/auth/catalog", undefined, token), 200);
    await conforms("GET", "/v3/auth/projects", await ks("GET", "/v3/auth/projects", undefined, token), 200);
    await conforms("GET", "/v3/auth/domains", await ks("GET", "/v3/auth/domains", undefined, token), 200);
    await conforms("DELETE", "/v3/auth/tokens", await subject("DELETE"), 204);
  });

  it("Keystone errors match: 400, 401, 403, 404, 409, 412, 405", async () => {
    const reader = (await createCredential(t, { type: "token", role: "reader" })).token as string;
    await conforms("POST", "/v3/regions", await ks("POST", "/v3/regions", { region: { type: "nope" } }), 400);
    await conforms("POST", "/v3/regions", await ks("POST", "/v3/regions", "{not json"), 400);
    await conforms("GET", "/v3/regions", await ks("GET", "/v3/regions", undefined, "wrong-token"), 401);
    await conforms("POST", "/v3/regions", await ks("POST", "/v3/regions", { region: {} }, reader), 403);
    await conforms("GET", "/v3/regions/{id}", await ks("GET", "/v3/regions/nowhere"), 404);
    await ks("POST", "/v3/regions", { region: { id: "doc-dup" } });
    await conforms("PUT", "/v3/regions/{id}", await ks("PUT", "/v3/regions/doc-dup", { region: {} }), 409);
    const stale = await t.app.request("http://gw.test/v3/regions/doc-dup", {
      method: "PATCH",
      headers: { "X-Auth-Token": adminToken, "Content-Type": "application/json", "If-Match": '"stale"' },
      body: JSON.stringify({ region: { description: "x" } }),
    });
    await conforms("PATCH", "/v3/regions/{id}", stale, 412);
    await conforms("POST", "/v3/auth/tokens", await ks("POST", "/v3/auth/tokens", { auth: {} }, null), 400);
    const refused = await ks("PATCH", "/v3/regions");
    expect(refused.status).toBe(405);
    matches(component("KeystoneError"), await refused.json(), "405");
  });

  it("admin answers match: credentials, audit, certificate health, import, export, health", async () => {
    await conforms("GET", "/healthz", await ks("GET", "/healthz", undefined, null), 200);
    await conforms("GET", "/readyz", await ks("GET", "/readyz", undefined, null), 200);
    const created = await ks("POST", "/admin/v1/credentials", { type: "access_key", role: "reader", private_regions: "*" });
    const { id } = (await created.clone().json()) as { id: string };
    await conforms("POST", "/admin/v1/credentials", created, 201);
    await conforms("GET", "/admin/v1/credentials", await ks("GET", "/admin/v1/credentials"), 200);
    await conforms("DELETE", "/admin/v1/credentials/{id}", await ks("DELETE", `/admin/v1/credentials/${id}`), 204);
    await conforms("DELETE", "/admin/v1/credentials/{id}", await ks("DELETE", "/admin/v1/credentials/nobody"), 404);
    await conforms("GET", "/admin/v1/audit", await ks("GET", "/admin/v1/audit?limit=5"), 200);
    await conforms("GET", "/admin/v1/audit", await ks("GET", "/admin/v1/audit?limit=0"), 400);
    await conforms("GET", "/admin/v1/regions/health", await ks("GET", "/admin/v1/regions/health"), 200);
    for (const format of ["rainbond", "keystone", "canonical"]) {
      await conforms("GET", "/admin/v1/export", await ks("GET", `/admin/v1/export?format=${format}`), 200);
    }
    const records = [addBody("doc-import"), addBody("doc/bad")];
    await conforms(
      "POST",
      "/admin/v1/import",
      await ks("POST", "/admin/v1/import?format=rainbond&dry_run=true", records.slice(0, 1)),
      200,
    );
    await conforms("POST", "/admin/v1/import", await ks("POST", "/admin/v1/import?format=rainbond", records), 422);
    await conforms("GET", "/admin/v1/credentials", await ks("GET", "/admin/v1/credentials", undefined, null), 401);
    await conforms("GET", "/openapi.json", await ks("GET", "/openapi.json", undefined, null), 200);
  });
});

describe("typed handlers", () => {
  it("a handler's principal, path parameters and answers are typed by its route (npm run typecheck fails otherwise)", async () => {
    const router = createRouter<{ Variables: AuthVariables }>();
    router.use("*", async (c, next) => {
      c.set("principal", { id: "p", name: "p", role: "reader", privateRegions: [], enterpriseId: null });
      await next();
    });
    router.openapi(updateV2, (c) => {
      expectTypeOf(c.var.principal).toEqualTypeOf<Principal>();
      expectTypeOf(c.req.valid("param").id).toEqualTypeOf<string>();
      // @ts-expect-error a Principal has no such field
      const n: number = c.var.principal.thisDoesNotExist;
      expect(n).toBeUndefined();
      return c.json({ msg: c.req.valid("param").id }, 404);
    });
    // @ts-expect-error 418 is not an answer the route documents
    createRouter().openapi(updateV2, (c) => c.json({ msg: "no" }, 418));
    // @ts-expect-error nor is a 200 that is not a region
    createRouter().openapi(updateV2, (c) => c.json({ msg: "no" }, 200));
    const res = await router.request("/regions/abc", { method: "PUT" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ msg: "abc" });
  });

  it('no handler in src/http is typed Handler<any>, no path parameter read as `?? ""`', () => {
    const dir = path.join(import.meta.dirname, "..", "..", "src", "http");
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), "utf8");
      expect(text, file).not.toMatch(/Handler<any>/);
      expect(text, file).not.toMatch(/req\.param\([^)]*\) \?\? ""/);
    }
  });
});
