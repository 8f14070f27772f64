import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as adminApi from "../../src/http/admin-api.ts";
import * as keystoneApi from "../../src/http/keystone-api.ts";
import * as rainbondApi from "../../src/http/rainbond-api.ts";
import { backends } from "../support/backends.ts";
import { adminToken, createCredential, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody, putBody } from "./rainbond-support.ts";

/**
 * Every route × every kind of caller → the status class it answers, and non-2xx answers in the
 * route's dialect's error shape. The routes are enumerated from the OpenAPI route definitions
 * (src/http/*-api.ts): a route added there without a row here fails this file.
 *
 * Targets: `pub` is a public region of enterprise ent-a, `priv` a private region of ent-a granted
 * to the granted reader only; the enterprise-bound caller is a reader bound to ent-b. Writes act
 * on a region created for that one request, so that every cell starts from the same catalogue.
 */

const callers = ["admin", "reader", "granted", "enterprise", "manage", "expired", "revoked", "none"] as const;
type Caller = (typeof callers)[number];
type Dialect = "keystone" | "rainbond" | "open";
/** "2" | "3" | "4xx" spelled as the exact status for 4xx (401/403/404 are the rules under test) */
type Expect = Record<Caller, number | "2xx" | "3xx">;

const ok = "2xx" as const;
/** Valid credentials read; unknown, expired, revoked or absent ones are 401; MANAGE_TOKEN only opens v2. */
const keystoneRead: Expect = {
  admin: ok,
  reader: ok,
  granted: ok,
  enterprise: ok,
  manage: 401,
  expired: 401,
  revoked: 401,
  none: 401,
};
const keystoneWrite: Expect = { ...keystoneRead, reader: 403, granted: 403, enterprise: 403 };
const v1Read = keystoneRead;
const v1Write = keystoneWrite;
const v2Read: Expect = { ...keystoneRead, manage: ok };
const v2Write: Expect = { ...keystoneWrite, manage: ok };
const adminOnly = keystoneWrite;
const open: Expect = Object.fromEntries(callers.map((c) => [c, ok])) as Expect;

interface Ctx {
  /** a fresh region created for this request: its name and region_id */
  fresh(): Promise<{ name: string; uid: string }>;
  newName(): string;
  uidOf(name: string): string;
  token(caller: Caller): string | null;
  freshCredential(): Promise<string>;
}
interface Row {
  dialect: Dialect;
  method: string;
  /** the path as a client sends it, {id} to be filled */
  path: string;
  expect: Expect | { pub: Expect; priv: Expect };
  /** path id and body for one request; `target` is the fixed region for reads */
  request?: (ctx: Ctx, caller: Caller, target: string) => Promise<{ id?: string; body?: unknown; query?: string }>;
  headers?: (ctx: Ctx, caller: Caller) => Record<string, string>;
}

const rows: Record<string, Row> = {
  // ---- Keystone discovery: no credential needed
  keystoneVersions: { dialect: "keystone", method: "GET", path: "/", expect: { ...open, ...all("3xx") } },
  keystoneVersion: { dialect: "keystone", method: "GET", path: "/v3", expect: open },
  // ---- Keystone regions
  keystoneListRegions: { dialect: "keystone", method: "GET", path: "/v3/regions", expect: keystoneRead },
  keystoneCreateRegion: {
    dialect: "keystone",
    method: "POST",
    path: "/v3/regions",
    expect: keystoneWrite,
    request: async (ctx) => ({ body: { region: { id: ctx.newName(), description: "m" } } }),
  },
  keystoneShowRegion: {
    dialect: "keystone",
    method: "GET",
    path: "/v3/regions/{id}",
    expect: { pub: keystoneRead, priv: { ...keystoneRead, reader: 404, enterprise: 404 } },
    request: async (_ctx, _caller, target) => ({ id: target }),
  },
  keystonePutRegion: {
    dialect: "keystone",
    method: "PUT",
    path: "/v3/regions/{id}",
    expect: keystoneWrite,
    request: async (ctx) => ({ id: ctx.newName(), body: { region: { description: "m" } } }),
  },
  keystoneUpdateRegion: {
    dialect: "keystone",
    method: "PATCH",
    path: "/v3/regions/{id}",
    expect: keystoneWrite,
    request: async (ctx) => ({ id: (await ctx.fresh()).name, body: { region: { description: "patched" } } }),
  },
  keystoneDeleteRegion: {
    dialect: "keystone",
    method: "DELETE",
    path: "/v3/regions/{id}",
    expect: keystoneWrite,
    request: async (ctx) => ({ id: (await ctx.fresh()).name }),
  },
  // ---- Keystone tokens: the caller presents its own token
  keystoneIssueToken: {
    dialect: "keystone",
    method: "POST",
    path: "/v3/auth/tokens",
    expect: { ...keystoneRead, manage: 401 },
    request: async (ctx, caller) => ({
      body: { auth: { identity: { methods: ["token"], token: { id: ctx.token(caller) ?? "" } } } },
    }),
    headers: () => ({}),
  },
  keystoneValidateToken: {
    dialect: "keystone",
    method: "GET",
    path: "/v3/auth/tokens",
    expect: keystoneRead,
    headers: (ctx, caller) => ({ "X-Subject-Token": ctx.token(caller) ?? "none" }),
  },
  keystoneRevokeToken: {
    dialect: "keystone",
    method: "DELETE",
    path: "/v3/auth/tokens",
    // a stored credential's token is not an issued one: 404 for an admin, 403 for anyone else
    expect: { ...keystoneWrite, admin: 404 },
    headers: (ctx, caller) => ({ "X-Subject-Token": ctx.token(caller) ?? "none" }),
  },
  keystoneAuthCatalog: { dialect: "keystone", method: "GET", path: "/v3/auth/catalog", expect: keystoneRead },
  keystoneAuthProjects: { dialect: "keystone", method: "GET", path: "/v3/auth/projects", expect: keystoneRead },
  keystoneAuthDomains: { dialect: "keystone", method: "GET", path: "/v3/auth/domains", expect: keystoneRead },
  // ---- Rainbond v1
  rainbondV1ListRegions: { dialect: "rainbond", method: "GET", path: "/openapi/v1/regions", expect: v1Read },
  rainbondV1AddRegion: {
    dialect: "rainbond",
    method: "POST",
    path: "/openapi/v1/regions",
    expect: v1Write,
    request: async (ctx) => ({ body: addBody(ctx.newName()) }),
  },
  rainbondV1ShowRegion: {
    dialect: "rainbond",
    method: "GET",
    path: "/openapi/v1/regions/{id}",
    // v1 also keeps an enterprise-bound caller to its enterprise
    expect: { pub: { ...v1Read, enterprise: 404 }, priv: { ...v1Read, reader: 404, enterprise: 404 } },
    request: async (_ctx, _caller, target) => ({ id: target }),
  },
  rainbondGrctlReplaceIp: {
    dialect: "rainbond",
    method: "POST",
    path: "/openapi/v1/grctl/ip",
    expect: v1Write,
    request: async (ctx) => ({ body: { region_name: (await ctx.fresh()).name, url: "https://10.9.9.9:8443" } }),
  },
  // ---- Rainbond v2 (manage): region_id in the path
  rainbondV2ListRegions: { dialect: "rainbond", method: "GET", path: "/openapi/v2/manage/regions", expect: v2Read },
  rainbondV2AddRegion: {
    dialect: "rainbond",
    method: "POST",
    path: "/openapi/v2/manage/regions",
    expect: v2Write,
    request: async (ctx) => ({ body: addBody(ctx.newName()) }),
  },
  rainbondV2ShowRegion: {
    dialect: "rainbond",
    method: "GET",
    path: "/openapi/v2/manage/regions/{id}",
    expect: { pub: v2Read, priv: { ...v2Read, reader: 404, enterprise: 404 } },
    request: async (ctx, _caller, target) => ({ id: ctx.uidOf(target) }),
  },
  rainbondV2UpdateRegion: {
    dialect: "rainbond",
    method: "PUT",
    path: "/openapi/v2/manage/regions/{id}",
    expect: v2Write,
    request: async (ctx) => ({ id: (await ctx.fresh()).uid, body: putBody() }),
  },
  rainbondV2DeleteRegion: {
    dialect: "rainbond",
    method: "DELETE",
    path: "/openapi/v2/manage/regions/{id}",
    expect: v2Write,
    request: async (ctx) => ({ id: (await ctx.fresh()).uid }),
  },
  // ---- the gateway's own
  healthz: { dialect: "open", method: "GET", path: "/healthz", expect: open },
  readyz: { dialect: "open", method: "GET", path: "/readyz", expect: open },
  metrics: { dialect: "open", method: "GET", path: "/metrics", expect: open },
  adminCertificateHealth: { dialect: "keystone", method: "GET", path: "/admin/v1/regions/health", expect: adminOnly },
  adminListCredentials: { dialect: "keystone", method: "GET", path: "/admin/v1/credentials", expect: adminOnly },
  adminCreateCredential: {
    dialect: "keystone",
    method: "POST",
    path: "/admin/v1/credentials",
    expect: adminOnly,
    request: async () => ({ body: { type: "token", role: "reader" } }),
  },
  adminRevokeCredential: {
    dialect: "keystone",
    method: "DELETE",
    path: "/admin/v1/credentials/{id}",
    expect: adminOnly,
    request: async (ctx) => ({ id: await ctx.freshCredential() }),
  },
  adminAudit: { dialect: "keystone", method: "GET", path: "/admin/v1/audit", expect: adminOnly },
  adminImport: {
    dialect: "keystone",
    method: "POST",
    path: "/admin/v1/import",
    expect: adminOnly,
    request: async () => ({ query: "?format=keystone&dry_run=true", body: { regions: [] } }),
  },
  adminExport: {
    dialect: "keystone",
    method: "GET",
    path: "/admin/v1/export",
    expect: adminOnly,
    request: async () => ({ query: "?format=canonical" }),
  },
};

function all(status: Expect[Caller]): Expect {
  return Object.fromEntries(callers.map((c) => [c, status])) as Expect;
}

/** Every route the OpenAPI definitions declare: operationId → method and path (as mounted). */
function declaredRoutes(): Map<string, { method: string; path: string }> {
  const routes = new Map<string, { method: string; path: string }>();
  const add = (mount: string, values: object) => {
    for (const v of Object.values(values)) {
      const r = v as { method?: unknown; path?: unknown; operationId?: unknown };
      if (typeof r.method !== "string" || typeof r.path !== "string" || typeof r.operationId !== "string") continue;
      routes.set(r.operationId, { method: r.method.toUpperCase(), path: `${mount}${r.path}` });
    }
  };
  add("", keystoneApi);
  add("", adminApi);
  const { rainbondMounts, ...rainbond } = rainbondApi;
  for (const [name, route] of Object.entries(rainbond)) {
    const mount = /V2$/.test(name) ? rainbondMounts.v2 : rainbondMounts.v1;
    add(mount, { [name]: route });
  }
  return routes;
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

for (const backend of backends) {
  describe.skipIf(!backend.available)(`route × role matrix (${backend.name})`, () => {
    let t: TestApp;
    let clock = Date.now();
    const tokens: Partial<Record<Caller, string>> = {};
    const uids = new Map<string, string>();
    let n = 0;

    const request = (row: Row, caller: Caller, path: string, body: unknown, extra: Record<string, string> = {}) => {
      const headers: Record<string, string> = { ...extra };
      const token = tokens[caller];
      if (token && row.dialect === "rainbond") headers.Authorization = token;
      else if (token && row.dialect !== "open") headers["X-Auth-Token"] = token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return t.app.request(`http://gw.test${path}`, {
        method: row.method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    };
    const addRegion = async (name: string, scope: "public" | "private", enterprise = "ent-a") => {
      const res = await t.app.request("http://gw.test/openapi/v2/manage/regions", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: adminToken },
        body: JSON.stringify(addBody(name, { scope, enterprise_id: enterprise, token: `SECRET-OF-${name}` })),
      });
      expect(res.status).toBe(201);
      const uid = ((await res.json()) as { region_id: string }).region_id;
      uids.set(name, uid);
      return { name, uid };
    };
    const ctx: Ctx = {
      newName: () => `m-${++n}`,
      fresh: () => addRegion(ctx.newName(), "public"),
      uidOf: (name) => uids.get(name) ?? "",
      token: (caller) => tokens[caller] ?? null,
      freshCredential: async () => (await createCredential(t, { type: "token", role: "reader" })).id,
    };

    beforeAll(async () => {
      t = await openTestApp(backend, { now: () => clock });
      await addRegion("pub", "public");
      await addRegion("priv", "private");
      tokens.admin = adminToken;
      tokens.manage = manageToken;
      tokens.reader = (await createCredential(t, { type: "token", role: "reader" })).token;
      tokens.granted = (await createCredential(t, { type: "token", role: "reader", private_regions: ["priv"] })).token;
      tokens.enterprise = (await createCredential(t, { type: "token", role: "reader", enterprise_id: "ent-b" })).token;
      const soon = new Date(Date.now() + 3_600_000).toISOString();
      tokens.expired = (await createCredential(t, { type: "token", role: "reader", expires_at: soon })).token;
      const revoked = await createCredential(t, { type: "token", role: "reader" });
      tokens.revoked = revoked.token;
      const res = await t.app.request(`http://gw.test/admin/v1/credentials/${revoked.id}`, {
        method: "DELETE",
        headers: { "X-Auth-Token": adminToken },
      });
      expect(res.status).toBe(204);
      // two hours on: the expiring credential has expired
      clock = Date.now() + 7_200_000;
    });
    afterAll(() => t?.close());

    it("has a row for every route the OpenAPI definitions declare, and no other", () => {
      const declared = declaredRoutes();
      expect([...declared.keys()].sort()).toEqual(Object.keys(rows).sort());
      for (const [id, route] of declared) {
        const row = rows[id];
        expect({ id, method: row?.method, path: row?.path }).toEqual({ id, ...route });
      }
    });

    it("shows a region's secrets to admins only, in every read of every dialect", async () => {
      const reads = [
        rows.rainbondV1ListRegions,
        rows.rainbondV2ListRegions,
        { ...rows.rainbondV1ShowRegion, path: "/openapi/v1/regions/pub" },
        { ...rows.rainbondV2ShowRegion, path: `/openapi/v2/manage/regions/${ctx.uidOf("pub")}` },
        rows.keystoneListRegions,
        { ...rows.keystoneShowRegion, path: "/v3/regions/pub" },
        { ...rows.adminExport, path: "/admin/v1/export?format=rainbond&include_secrets=true" },
      ] as Row[];
      const shown: string[] = [];
      for (const row of reads) {
        for (const caller of callers) {
          const res = await request(row, caller, row.path, undefined);
          if ((await res.text()).includes("SECRET-OF-pub")) shown.push(`${row.path} ${caller}`);
        }
      }
      // `token` is a field of v2's answers and of the export only (v1's serializers and Keystone have none)
      const admins: Record<string, string[]> = { "/openapi/v2": ["admin", "manage"], "/admin/v1": ["admin"] };
      expect(shown).toEqual(
        reads.flatMap((row) => {
          const mount = Object.keys(admins).find((m) => row.path.startsWith(m));
          return (mount ? (admins[mount] ?? []) : []).map((c) => `${row.path} ${c}`);
        }),
      );
    });

    for (const [id, row] of Object.entries(rows)) {
      const targets = "pub" in row.expect ? (["pub", "priv"] as const) : ([null] as const);
      for (const target of targets) {
        it(`${row.method} ${row.path}${target ? ` (${target})` : ""}: every caller`, async () => {
          const seen: Record<string, string> = {};
          const wanted: Record<string, string> = {};
          for (const caller of callers) {
            const expectFor = target ? (row.expect as { pub: Expect; priv: Expect })[target] : (row.expect as Expect);
            const { id: pathId, body, query } = (await row.request?.(ctx, caller, target ?? "")) ?? {};
            const path = row.path.replace("{id}", encodeURIComponent(pathId ?? "")) + (query ?? "");
            const res = await request(row, caller, path, body, row.headers?.(ctx, caller));
            const want = expectFor[caller];
            wanted[caller] = typeof want === "number" ? String(want) : want;
            seen[caller] = typeof want === "number" ? String(res.status) : statusClass(res.status);
            if (res.status >= 400) {
              const answer = (await res.json()) as Record<string, unknown>;
              if (row.dialect === "keystone") {
                expect(answer, `${id} ${caller}`).toMatchObject({ error: { code: res.status } });
              } else {
                // the console's shapes ({detail,code,msg,msg_show}, general_message, v2's {msg}) all carry msg
                expect(answer, `${id} ${caller}`).not.toHaveProperty("error");
                expect(typeof answer.msg, `${id} ${caller}`).toBe("string");
              }
            } else {
              await res.body?.cancel();
            }
          }
          expect(seen).toEqual(wanted);
        });
      }
    }
  });
}
