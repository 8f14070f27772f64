import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/service.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/client.ts";
import { systemActor } from "../../src/domain/principal.ts";
import { newRegionInput } from "../../src/domain/region.ts";
import { createMetrics } from "../../src/http/metrics.ts";
import { backends, testSecretBox } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { adminToken, clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

const { AKSKSigner } = createRequire(import.meta.url)("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: { sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as a scraper reads it (comments skipped, label values unescaped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const raw = m[3] as string;
    samples.push({ name: m[1] as string, labels, value: raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels` (0 when there is none). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await t.app.request("http://gw.test/metrics", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

const requests = "region_gateway_http_requests_total";

for (const backend of backends) {
  describe.skipIf(!backend.available)(`GET /metrics (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    beforeAll(async () => {
      t = await openTestApp(backend, { metrics: createMetrics({ processMetrics: true }) });
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    it("counts real requests by route template, method, status and dialect, with their latency", async () => {
      const before = await scrape(t);
      const list = { route: "/v3/regions", method: "GET", status: "200", dialect: "keystone" };
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "metrics-one" } })).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await c.keystone("GET", "/v3/regions")).status).toBe(200);
      expect((await c.keystone("HEAD", "/v3/regions/metrics-one")).status).toBe(200);
      expect((await c.keystone("GET", "/v3/regions/no-such-region")).status).toBe(404);
      expect((await c.rainbond("GET", "/openapi/v1/regions")).status).toBe(200);
      expect((await c.keystone("PATCH", "/v3/regions")).status).toBe(405);
      const after = await scrape(t);
      const moved = (labels: Record<string, string>) =>
        sampleValue(after, requests, labels) - sampleValue(before, requests, labels);
      expect(moved(list)).toBe(3);
      expect(moved({ route: "/v3/regions", method: "POST", status: "201", dialect: "keystone" })).toBe(1);
      expect(moved({ route: "/v3/regions/:id", method: "HEAD", status: "200", dialect: "keystone" })).toBe(1);
      expect(moved({ route: "/v3/regions/:id", method: "GET", status: "404", dialect: "keystone" })).toBe(1);
      expect(moved({ route: "/openapi/v1/regions", method: "GET", status: "200", dialect: "rainbond" })).toBe(1);
      expect(moved({ route: "/v3/regions", method: "PATCH", status: "405", dialect: "keystone" })).toBe(1);
      // the histogram counts the same requests, and every one fits in the +Inf bucket
      const histogram = "region_gateway_http_request_duration_seconds";
      expect(sampleValue(after, `${histogram}_count`, list) - sampleValue(before, `${histogram}_count`, list)).toBe(3);
      expect(sampleValue(after, `${histogram}_bucket`, { ...list, le: "+Inf" })).toBe(
        sampleValue(after, `${histogram}_count`, list),
      );
      expect(sampleValue(after, `${histogram}_sum`, list)).toBeGreaterThan(0);
      // the scrape itself is a request like any other
      expect(sampleValue(after, requests, { route: "/metrics", method: "GET", status: "200", dialect: "other" })).toBeGreaterThan(
        0,
      );
    });

    it("counts authentication failures by reason, in each dialect", async () => {
      const key = await createCredential(t, { type: "access_key", role: "reader" });
      const reader = await createCredential(t, { type: "token", role: "reader" });
      await createCredential(t, { type: "password", role: "reader", user_name: "metrics-user", password: "right password" });
      const before = await scrape(t);
      await c.keystone("GET", "/v3/regions", undefined, null);
      await c.keystone("GET", "/v3/regions", undefined, "not-a-token");
      await c.rainbond("GET", "/openapi/v1/regions", undefined, null);
      await c.rainbond("GET", "/openapi/v2/manage/regions", undefined, "not-a-token");
      await c.keystone("GET", "/admin/v1/credentials", undefined, "not-a-token");
      const login = (password: string) =>
        c.keystone("POST", "/v3/auth/tokens", {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { name: "metrics-user", domain: { name: "Default" }, password } },
            },
          },
        });
      expect((await login("wrong password")).status).toBe(401);
      expect((await login("right password")).status).toBe(201);
      const signed = AKSKSigner.sign(
        { method: "GET", endpoint: "http://gw.test/v3/regions", headers: {}, queryParams: {}, data: undefined },
        { getAk: () => key.access as string, getSk: () => "not the secret" },
      );
      expect((await t.app.request("http://gw.test/v3/regions", { headers: signed })).status).toBe(401);
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "by-a-reader" } }, reader.token)).status).toBe(403);
      const after = await scrape(t);
      const failures = (dialect: string, reason: string) =>
        sampleValue(after, "region_gateway_auth_failures_total", { dialect, reason }) -
        sampleValue(before, "region_gateway_auth_failures_total", { dialect, reason });
      expect(failures("keystone", "missing")).toBe(1);
      expect(failures("keystone", "invalid_token")).toBe(1);
      expect(failures("rainbond", "missing")).toBe(1);
      expect(failures("rainbond", "invalid_token")).toBe(1);
      expect(failures("admin", "invalid_token")).toBe(1);
      expect(failures("keystone", "wrong_password")).toBe(1);
      expect(failures("keystone", "bad_signature")).toBe(1);
      expect(failures("keystone", "forbidden")).toBe(1);
    });

    it("counts writes by outcome: committed, conflict, precondition failed", async () => {
      const before = await scrape(t);
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "metrics-dup" } })).status).toBe(201);
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "metrics-dup" } })).status).toBe(409);
      const stale = await t.app.request("http://gw.test/v3/regions/metrics-dup", {
        method: "PATCH",
        headers: { "X-Auth-Token": adminToken, "Content-Type": "application/json", "If-Match": '"stale.1"' },
        body: JSON.stringify({ region: { description: "never" } }),
      });
      expect(stale.status).toBe(412);
      const after = await scrape(t);
      const writes = (outcome: string) =>
        sampleValue(after, "region_gateway_catalog_writes_total", { outcome }) -
        sampleValue(before, "region_gateway_catalog_writes_total", { outcome });
      expect(writes("committed")).toBe(1);
      expect(writes("conflict")).toBe(1);
      expect(writes("precondition_failed")).toBe(1);
    });

    it("reports the catalogue's size and version, the database pool and certificate expiry", async () => {
      const certs = testCertificates();
      const created = await c.rainbond("POST", "/openapi/v2/manage/regions", {
        region_name: "metrics-certs",
        region_alias: "证书",
        url: "https://10.0.0.1:8443",
        wsurl: "wss://10.0.0.1:6060",
        httpdomain: "apps.example.com",
        tcpdomain: "10.0.0.1",
        ssl_ca_cert: certs.ca,
        cert_file: certs.expiring,
        key_file: certs.expiringKey,
      });
      expect(created.status).toBe(201);
      const samples = await scrape(t);
      expect(sampleValue(samples, "region_gateway_catalog_regions")).toBe(t.catalog.list().length);
      expect(sampleValue(samples, "region_gateway_catalog_version")).toBe(t.catalog.version);
      expect(sampleValue(samples, "region_gateway_catalog_behind_seconds")).toBe(0);
      expect(sampleValue(samples, "region_gateway_db_pool_max")).toBe(backend.name === "postgres" ? 10 : 1);
      // the write's own notification may start a version check (a transaction) just now: none stays
      await expect
        .poll(async () => sampleValue(await scrape(t), "region_gateway_db_pool_transactions"), { timeout: 5_000 })
        .toBe(0);
      expect(sampleValue(samples, "region_gateway_db_up")).toBe(1);
      // the client certificate expires in 10 days: the soonest of all, and one region expiring
      const days = sampleValue(samples, "region_gateway_certificate_days_left_min");
      expect(days).toBeGreaterThanOrEqual(9);
      expect(days).toBeLessThanOrEqual(10);
      expect(sampleValue(samples, "region_gateway_certificates_expiring")).toBe(1);
      // and Node's own process metrics
      expect(samples.some((s) => s.name === "process_resident_memory_bytes" && s.value > 0)).toBe(true);
      expect(samples.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
    });

    it("never carries a region name, a token or a path as sent in a label: unknown paths are one value", async () => {
      const secret = "rgt_label-leak-check-token-value";
      const region = "label-leak-region-name";
      await c.keystone("POST", "/v3/regions", { region: { id: region } });
      await c.keystone("GET", `/v3/regions/${region}`);
      await c.keystone("GET", `/v3/regions/${region}-missing`, undefined, secret);
      await c.rainbond("GET", `/openapi/v1/regions/${region}`);
      await c.rainbond("GET", `/openapi/v1/regions/${region}`, undefined, secret);
      for (const p of [`/${secret}`, `/v3/${region}`, `/openapi/v9/${region}`, `/admin/v1/${secret}/x`, "/v3/regions/a/b/c"]) {
        expect((await c.keystone("GET", `${p}?token=${secret}`, undefined, secret)).status).toBeGreaterThanOrEqual(400);
      }
      await t.app.request(`http://gw.test/v3/regions?name=${region}`, { method: "BREW" as string });
      const text = await (await t.app.request("http://gw.test/metrics")).text();
      expect(text).not.toContain(secret);
      expect(text).not.toContain(region);
      expect(text).not.toContain(adminToken);
      const samples = parseMetrics(text);
      // every route label is a template the app registered, or one of two fixed words
      const templates = new Set(t.app.routes.map((r) => r.path).filter((p) => !p.endsWith("*")));
      const routes = new Set(samples.flatMap((s) => (s.labels.route === undefined ? [] : [s.labels.route])));
      expect([...routes].filter((r) => !templates.has(r) && r !== "(unmatched)" && r !== "(refused)")).toEqual([]);
      expect(routes).toContain("(unmatched)");
      const methods = new Set(samples.flatMap((s) => (s.labels.method === undefined ? [] : [s.labels.method])));
      expect([...methods].every((m) => ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"].includes(m))).toBe(
        true,
      );
      const dialects = new Set(samples.flatMap((s) => (s.labels.dialect === undefined ? [] : [s.labels.dialect])));
      expect([...dialects].every((d) => ["keystone", "rainbond", "admin", "other"].includes(d))).toBe(true);
    });
  });
}

describe("who may read GET /metrics", () => {
  const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

  it("open on loopback without METRICS_TOKEN; otherwise the token, and closed without one", () => {
    expect(loadConfig({ HOST: "127.0.0.1" }).metrics).toEqual({ kind: "open" });
    expect(loadConfig({ HOST: "::1" }).metrics).toEqual({ kind: "open" });
    expect(loadConfig({ HOST: "127.0.0.1", METRICS_TOKEN: "m" }).metrics).toEqual({ kind: "token", token: "m" });
    expect(loadConfig({ HOST: "0.0.0.0", METRICS_TOKEN: "m" }).metrics).toEqual({ kind: "token", token: "m" });
    expect(loadConfig({ HOST: "0.0.0.0" }).metrics).toEqual({ kind: "closed" });
    expect(loadConfig({ HOST: "10.1.2.3", METRICS_TOKEN: "" }).metrics).toEqual({ kind: "closed" });
  });

  it("with METRICS_TOKEN: 401 without it or with another token (not even the admin token), 200 with it", async () => {
    const t = await openTestApp(pglite, { metricsAccess: { kind: "token", token: "metrics-secret" } });
    try {
      const get = (headers: Record<string, string>) => t.app.request("http://gw.test/metrics", { headers });
      const missing = await get({});
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ error: { code: 401 } });
      expect((await get({ Authorization: "Bearer wrong" })).status).toBe(401);
      expect((await get({ Authorization: `Bearer ${adminToken}` })).status).toBe(401);
      expect((await get({ "X-Auth-Token": "metrics-secret" })).status).toBe(401);
      const ok = await get({ Authorization: "Bearer metrics-secret" });
      expect(ok.status).toBe(200);
      const samples = parseMetrics(await ok.text());
      expect(sampleValue(samples, "region_gateway_auth_failures_total", { dialect: "other", reason: "missing" })).toBe(2);
      expect(sampleValue(samples, "region_gateway_auth_failures_total", { dialect: "other", reason: "invalid_token" })).toBe(2);
    } finally {
      await t.close();
    }
  });

  it("closed (a gateway others reach, no METRICS_TOKEN): 403 for everyone", async () => {
    const t = await openTestApp(pglite, { metricsAccess: { kind: "closed" } });
    try {
      const res = await t.app.request("http://gw.test/metrics", { headers: { Authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/METRICS_TOKEN/);
    } finally {
      await t.close();
    }
  });
});

const postgresBackend = backends.find((b) => b.name === "postgres");
describe.skipIf(!postgresBackend?.available)("changes from another instance (postgres)", () => {
  it("times how long a change took to arrive, counts failed polls, and none of its own writes", async () => {
    const db = await (postgresBackend as (typeof backends)[number]).open();
    const url = db.url as string;
    const metricsA = createMetrics({ processMetrics: false });
    const metricsB = createMetrics({ processMetrics: false });
    const dbB = await openDatabase({ databaseUrl: url });
    const a = await Catalog.open(db.database, { secretBox: testSecretBox, observer: metricsA.catalogObserver });
    const b = await Catalog.open(dbB, { secretBox: testSecretBox, observer: metricsB.catalogObserver, pollIntervalMs: 50 });
    metricsA.watch({ catalog: a, database: db.database });
    metricsB.watch({ catalog: b, database: dbB });
    try {
      for (let i = 0; i < 3; i++) await a.create(newRegionInput(`remote-${i}`, `remote-uid-${i}`), systemActor);
      while (b.version < a.version) await new Promise((r) => setTimeout(r, 10));
      const seenByB = parseMetrics(await metricsB.registry.metrics());
      const arrivals = sampleValue(seenByB, "region_gateway_catalog_propagation_seconds_count");
      expect(arrivals).toBeGreaterThanOrEqual(1);
      expect(arrivals).toBeLessThanOrEqual(3);
      expect(sampleValue(seenByB, "region_gateway_catalog_propagation_seconds_sum")).toBeGreaterThan(0);
      expect(sampleValue(seenByB, "region_gateway_catalog_behind_seconds")).toBe(0);
      expect(sampleValue(seenByB, "region_gateway_catalog_writes_total", { outcome: "committed" })).toBe(0);
      const seenByA = parseMetrics(await metricsA.registry.metrics());
      expect(sampleValue(seenByA, "region_gateway_catalog_propagation_seconds_count")).toBe(0);
      expect(sampleValue(seenByA, "region_gateway_catalog_writes_total", { outcome: "committed" })).toBe(3);

      // B loses its database: its version polls fail, and say so
      await dbB.close();
      const before = sampleValue(seenByB, "region_gateway_catalog_reload_errors_total", { kind: "poll" });
      for (let waited = 0; waited < 10_000; waited += 50) {
        const now = parseMetrics(await metricsB.registry.metrics());
        if (sampleValue(now, "region_gateway_catalog_reload_errors_total", { kind: "poll" }) > before) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const failed = parseMetrics(await metricsB.registry.metrics());
      expect(sampleValue(failed, "region_gateway_catalog_reload_errors_total", { kind: "poll" })).toBeGreaterThan(before);
      expect(sampleValue(failed, "region_gateway_db_up")).toBe(0);
    } finally {
      await b.close();
      await a.close();
      await dbB.close().catch(() => {});
      await db.drop();
    }
  });
});
