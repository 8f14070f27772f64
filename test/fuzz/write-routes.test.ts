import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addBody, putBody } from "../http/rainbond-support.ts";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { adminToken, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";
import { encode, hostileUrlValue, type Mutation, mutate, mutations, serialise, wire } from "./hostile.ts";

/**
 * Property-based fuzzing of every write route of both dialects, the admin API and the import
 * (issue 7, "Keep it fixed"). Bodies are valid ones with a few mutations (wrong types, deep
 * nesting, `__proto__` / `constructor` / `toString` keys, NUL, lone surrogates, right-to-left
 * text, combining marks, numbers out of range, invalid UTF-8). Every answer must be a 2xx or a
 * 4xx in the dialect's own shape, never a 5xx; a 4xx must leave the catalogue as it was (regions,
 * credentials and the audit trail, read from the database); a 2xx must not have altered what was
 * sent (no U+FFFD that was not sent, Keystone extras shown back as sent).
 *
 * `npm test` runs 40 cases per route with a fixed seed (the same cases on every run);
 * `npm run fuzz` runs FUZZ_RUNS (default 1,000) per route with a new seed, which it prints.
 * `FC_SEED=<seed>` replays a seed (with the FUZZ_RUNS of the run that failed).
 */
const runs = Number(process.env.FUZZ_RUNS ?? 40);
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.FUZZ_RUNS
    ? Math.floor(Math.random() * 2 ** 31)
    : 20261126;
if (process.env.FUZZ_RUNS) console.log(`fuzz: FUZZ_RUNS=${runs} FC_SEED=${seed}`);
const timeout = Math.max(60_000, runs * 1_000);

const { ca: CA, cert: CERT, key: KEY } = testCertificates();
const keystoneOwnKeys = new Set(["id", "description", "parent_region_id", "type", "locales", "links"]);

interface Route {
  name: string;
  dialect: "keystone" | "rainbond";
  method: string;
  /** path and query; `n` numbers the case (fresh names for creates) */
  url: (n: number) => string;
  body: (n: number) => unknown;
  /** Keystone region creates: extras must come back as sent */
  keystoneCreate?: boolean;
  import?: boolean;
  /** fewer cases for routes that hash a password on every well-formed body */
  share?: number;
}

let rbUid = "";
const routes: Route[] = [
  {
    name: "keystone POST /v3/regions",
    dialect: "keystone",
    method: "POST",
    url: () => "/v3/regions",
    body: (n) => ({
      region: {
        id: `fz-ks-${n}`,
        description: "d",
        parent_region_id: "fz-ks",
        type: "private",
        locales: { "zh-cn": "名", "en-us": "name" },
        custom: { list: [1, "two", { three: null }], flag: true },
      },
    }),
    keystoneCreate: true,
  },
  {
    name: "keystone PUT /v3/regions/{id}",
    dialect: "keystone",
    method: "PUT",
    url: (n) => `/v3/regions/fz-put-${n}`,
    body: () => ({ region: { description: "d", type: "public", locales: { "en-us": "e" }, owner: "ops" } }),
    keystoneCreate: true,
  },
  {
    name: "keystone PATCH /v3/regions/{id}",
    dialect: "keystone",
    method: "PATCH",
    url: () => "/v3/regions/fz-ks",
    body: () => ({ region: { description: "patched", locales: { "zh-cn": "改" }, tier: { level: 2 } } }),
  },
  {
    name: "keystone POST /v3/auth/tokens",
    dialect: "keystone",
    method: "POST",
    url: () => "/v3/auth/tokens",
    body: () => ({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "fz-user", domain: { id: "default" }, password: "fz-password" } },
        },
        scope: { project: { name: "fz-project" } },
      },
    }),
    share: 0.25,
  },
  {
    name: "rainbond POST /openapi/v1/regions",
    dialect: "rainbond",
    method: "POST",
    url: () => "/openapi/v1/regions",
    body: (n) => addBody(`fz-v1-${n}`, { ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, status: "1", scope: "public" }),
  },
  {
    name: "rainbond POST /openapi/v2/manage/regions",
    dialect: "rainbond",
    method: "POST",
    url: () => "/openapi/v2/manage/regions",
    body: (n) => addBody(`fz-v2-${n}`, { region_id: `fz-uid-${n}`, token: "t", desc: "d", enterprise_id: "e" }),
  },
  {
    name: "rainbond PUT /openapi/v2/manage/regions/{id}",
    dialect: "rainbond",
    method: "PUT",
    url: () => `/openapi/v2/manage/regions/${rbUid}`,
    body: () => putBody({ ssl_ca_cert: CA, cert_file: CERT, key_file: KEY, token: "t", desc: "d", scope: "private" }),
  },
  {
    name: "rainbond POST /openapi/v1/grctl/ip",
    dialect: "rainbond",
    method: "POST",
    url: () => "/openapi/v1/grctl/ip",
    body: () => ({
      region_name: "fz-rb",
      url: "https://10.9.0.1:8443",
      ws_url: "wss://10.9.0.1:6060",
      http_domain: "apps.fz.example.com",
      tcp_domain: "10.9.0.1",
      ssl_ca_cert: CA,
      cert_file: CERT,
      key_file: KEY,
    }),
  },
  {
    name: "admin POST /admin/v1/credentials",
    dialect: "keystone",
    method: "POST",
    url: () => "/admin/v1/credentials",
    body: () => ({
      type: "token",
      role: "reader",
      name: "fz-cred",
      private_regions: ["fz-ks"],
      enterprise_id: "ent",
      expires_at: "2099-01-01T00:00:00Z",
    }),
  },
  {
    name: "admin POST /admin/v1/import (canonical)",
    dialect: "keystone",
    method: "POST",
    url: () => "/admin/v1/import?format=canonical",
    body: (n) => [
      {
        name: `fz-imp-c-${n}`,
        alias: "A",
        description: "d",
        scope: "public",
        status: "enabled",
        parentName: "fz-ks",
        locales: { "en-us": "E" },
        extra: { k: [1, { x: "y" }] },
      },
    ],
    import: true,
  },
  {
    name: "admin POST /admin/v1/import (keystone)",
    dialect: "keystone",
    method: "POST",
    url: () => "/admin/v1/import?format=keystone",
    body: (n) => ({
      regions: [
        {
          id: `fz-imp-k-${n}`,
          description: "d",
          parent_region_id: "fz-ks",
          type: "private",
          locales: { "zh-cn": "名" },
          links: { self: "http://x/v3/regions/x" },
          custom: { a: 1 },
        },
      ],
    }),
    import: true,
  },
  {
    name: "admin POST /admin/v1/import (rainbond)",
    dialect: "keystone",
    method: "POST",
    url: () => "/admin/v1/import?format=rainbond",
    body: (n) => [addBody(`fz-imp-r-${n}`, { status: "1", scope: "public", token: "t", ssl_ca_cert: CA, cert_file: CERT })],
    import: true,
  },
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON with sorted keys (equality whatever order PostgreSQL's jsonb gives keys); Infinity is not null. */
const canonical = (v: unknown): string =>
  typeof v === "number" && !Number.isFinite(v)
    ? String(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : isObject(v)
        ? `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
            .join(",")}}`
        : JSON.stringify(v);

/** What a 4xx body must look like in the route's dialect. */
function checkErrorShape(route: Route, status: number, body: unknown): void {
  if (route.import && status === 422) {
    expect(body).toMatchObject({ written: false, rejected: expect.any(Array) });
    expect((body as { rejected: unknown[] }).rejected.length).toBeGreaterThan(0);
  } else if (route.dialect === "keystone") {
    expect(body).toMatchObject({ error: { code: status, title: expect.any(String), message: expect.any(String) } });
  } else {
    // DRF field errors {"detail":"参数错误","err":{…}}, API errors {"detail","msg",…}, v2's {"msg"}, grctl's {"code","msg"}
    expect(isObject(body) && (typeof body.detail === "string" || typeof body.msg === "string"), JSON.stringify(body)).toBe(true);
  }
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`fuzzed write routes (${backend.name})`, () => {
    let t: TestApp;
    let n = 0;
    beforeAll(async () => {
      t = await openTestApp(backend);
      const post = (path: string, body: unknown) =>
        t.app.request(`http://gw.test${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken, Authorization: adminToken },
          body: JSON.stringify(body),
        });
      expect((await post("/v3/regions", { region: { id: "fz-ks", type: "public" } })).status).toBe(201);
      const rb = await post("/openapi/v2/manage/regions", addBody("fz-rb"));
      expect(rb.status).toBe(201);
      rbUid = ((await rb.json()) as { region_id: string }).region_id;
      await createCredential(t, { type: "password", role: "reader", user_name: "fz-user", password: "fz-password" });
    });
    afterAll(() => t?.close());

    /** Regions, credentials and the newest audit entry (read from the database): any write moves one of them. */
    const state = async () =>
      JSON.stringify([
        t.catalog.list(),
        t.catalog.identity().credentials.map((c) => c.id),
        (await t.catalog.audit({ limit: 1 }))[0]?.id ?? 0,
      ]);

    async function send(route: Route, muts: Mutation[], w: Parameters<typeof encode>[1]) {
      const i = n++;
      const text = serialise(mutate(route.body(i), muts));
      const bytes = encode(text, w);
      const before = await state();
      const res = await t.app.request(`http://gw.test${route.url(i)}`, {
        method: route.method,
        headers: {
          "Content-Type": "application/json",
          ...(route.dialect === "keystone" ? { "X-Auth-Token": adminToken } : { Authorization: adminToken }),
        },
        body: Uint8Array.from(bytes),
      });
      const answer = await res.text();
      const where = `${route.method} ${route.url(i)} ${text.slice(0, 300)} → ${res.status} ${answer.slice(0, 300)}`;
      expect(res.status, where).toBeLessThan(500);
      expect(res.headers.get("X-Request-Id"), where).toBeTruthy();
      const body = answer === "" ? undefined : JSON.parse(answer);
      if (res.status >= 400) {
        checkErrorShape(route, res.status, body);
        expect(await state(), `a ${res.status} changed the catalogue: ${where}`).toBe(before);
        return;
      }
      // accepted: nothing the client sent was altered on the way in
      const sent = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      if (answer.includes("\ufffd") && !JSON.stringify(sent).includes("\ufffd") && !before.includes("\ufffd")) {
        throw new Error(`U+FFFD appeared in an answer: ${where}`);
      }
      if (route.keystoneCreate && res.status === 201) {
        const region = (sent as { region: Record<string, unknown> }).region;
        const shown = (body as { region: Record<string, unknown> }).region;
        for (const [k, v] of Object.entries(region)) {
          if (!keystoneOwnKeys.has(k)) expect(canonical(shown[k]), `extra ${k}: ${where}`).toBe(canonical(v));
        }
      }
    }

    for (const route of routes) {
      it(
        `${route.name}: 2xx or a 4xx in its dialect's shape, never a 5xx; a 4xx changes nothing`,
        async () => {
          await fc.assert(
            fc.asyncProperty(mutations, wire, (muts, w) => send(route, muts, w)),
            { numRuns: Math.max(5, Math.round(runs * (route.share ?? 1))), seed },
          );
        },
        timeout,
      );
    }

    it(
      "path and query values of every route: never a 5xx, errors in the dialect's shape",
      async () => {
        const urls: [Route["dialect"], string, (v: string) => string][] = [
          ["keystone", "GET", (v) => `/v3/regions/${v}`],
          ["keystone", "PATCH", (v) => `/v3/regions/${v}`],
          ["keystone", "DELETE", (v) => `/v3/regions/${v}`],
          ["keystone", "GET", (v) => `/v3/regions?parent_region_id=${v}&name=${v}&parent_region_id__${v}=${v}`],
          ["keystone", "GET", (v) => `/admin/v1/audit?region=${v}&limit=${v}`],
          ["keystone", "GET", (v) => `/admin/v1/audit?subject=${v}`],
          ["keystone", "DELETE", (v) => `/admin/v1/credentials/${v}`],
          ["keystone", "GET", (v) => `/admin/v1/regions/health?expiring_within=${v}`],
          ["keystone", "GET", (v) => `/admin/v1/export?format=${v}&include_secrets=${v}`],
          ["keystone", "POST", (v) => `/admin/v1/import?format=canonical&mode=${v}&dry_run=${v}`],
          ["rainbond", "GET", (v) => `/openapi/v1/regions/${v}`],
          ["rainbond", "GET", (v) => `/openapi/v2/manage/regions/${v}`],
          ["rainbond", "PUT", (v) => `/openapi/v2/manage/regions/${v}`],
          ["rainbond", "DELETE", (v) => `/openapi/v2/manage/regions/${v}`],
          ["rainbond", "GET", (v) => `/openapi/v2/manage/regions?query=${v}&current=${v}&pageSize=${v}`],
        ];
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...urls), hostileUrlValue, async ([dialect, method, url], value) => {
            const path = url(value);
            const before = await state();
            const body =
              method === "PUT"
                ? JSON.stringify(putBody())
                : method === "PATCH"
                  ? '{"region":{"description":"x"}}'
                  : method === "POST"
                    ? "[]"
                    : undefined;
            const res = await t.app.request(`http://gw.test${path}`, {
              method,
              headers: {
                "Content-Type": "application/json",
                ...(dialect === "keystone" ? { "X-Auth-Token": adminToken } : { Authorization: adminToken }),
              },
              body,
            });
            const answer = await res.text();
            const where = `${method} ${path} → ${res.status} ${answer.slice(0, 300)}`;
            expect(res.status, where).toBeLessThan(500);
            if (res.status >= 400) {
              checkErrorShape({ dialect } as Route, res.status, JSON.parse(answer));
              expect(await state(), `a ${res.status} changed the catalogue: ${where}`).toBe(before);
            }
          }),
          { numRuns: runs * 3, seed },
        );
      },
      timeout,
    );
  });
}
