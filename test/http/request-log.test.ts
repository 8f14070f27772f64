import { createRequire } from "node:module";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { adminToken, clients, createCredential, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";

const { AKSKSigner } = createRequire(import.meta.url)("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: { sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

interface RequestLine {
  msg: string;
  level: number;
  request_id: string;
  method: string;
  route: string;
  path: string;
  dialect: string;
  credential?: string;
  status: number;
  ms: number;
  auth_failure?: string;
}

/** The whole gateway, its log captured at the most verbose level. */
async function loggedApp(options: Parameters<typeof openTestApp>[1] = {}) {
  const lines: string[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void lines.push(line) });
  const t = await openTestApp(pglite, { ...options, logger });
  const requestLines = () => lines.map((l) => JSON.parse(l) as RequestLine).filter((l) => l.msg === "request");
  return { t, lines, requestLines };
}

describe("one log line per request", () => {
  let t: TestApp;
  let log: Awaited<ReturnType<typeof loggedApp>>;
  beforeAll(async () => {
    log = await loggedApp();
    t = log.t;
  });
  afterAll(() => t?.close());

  it("says the request id the client saw, the route template, dialect, credential id, status and duration", async () => {
    const c = clients(t.app);
    const reader = await createCredential(t, { type: "token", role: "reader", name: "log-reader" });
    await c.keystone("POST", "/v3/regions", { region: { id: "logged-region" } });
    const before = log.requestLines().length;
    const ks = await c.keystone("GET", "/v3/regions/logged-region", undefined, reader.token);
    const rb = await c.rainbond("GET", "/openapi/v1/regions/nowhere", undefined, reader.token);
    const anonymous = await t.app.request("http://gw.test/healthz", { method: "HEAD" });
    const lines = log.requestLines().slice(before);
    expect(lines).toHaveLength(3);
    const [first, second, third] = lines as [RequestLine, RequestLine, RequestLine];
    expect(first).toMatchObject({
      level: 30,
      request_id: ks.headers.get("X-Request-Id"),
      method: "GET",
      route: "/v3/regions/:id",
      path: "/v3/regions/logged-region",
      dialect: "keystone",
      credential: reader.id,
      status: 200,
    });
    expect(ks.headers.get("x-openstack-request-id")).toBe(first.request_id);
    expect(first.request_id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(first.ms).toBeGreaterThanOrEqual(0);
    expect(second).toMatchObject({
      request_id: rb.headers.get("X-Request-Id"),
      route: "/openapi/v1/regions/:id",
      dialect: "rainbond",
      credential: reader.id,
      status: 404,
    });
    expect(third).toMatchObject({
      request_id: anonymous.headers.get("X-Request-Id"),
      method: "HEAD",
      route: "/healthz",
      dialect: "other",
      status: 200,
    });
    expect(third.credential).toBeUndefined();
  });

  it("names why a credential was refused, never the credential", async () => {
    const before = log.requestLines().length;
    const res = await clients(t.app).keystone("GET", "/v3/regions", undefined, "rgt_refused-token-value");
    expect(res.status).toBe(401);
    const [line] = log.requestLines().slice(before);
    expect(line).toMatchObject({ status: 401, auth_failure: "invalid_token", route: "/v3/regions" });
    expect(log.lines.join("")).not.toContain("rgt_refused-token-value");
  });
});

describe("no secret reaches the log, whatever the route and however it fails", () => {
  let log: Awaited<ReturnType<typeof loggedApp>>;
  let t: TestApp;
  const secrets: string[] = [adminToken, manageToken, "metrics-bearer-secret"];
  beforeAll(async () => {
    log = await loggedApp({ metricsAccess: { kind: "token", token: "metrics-bearer-secret" } });
    t = log.t;
  });
  afterAll(() => t?.close());

  it("drives every route the app registers, with secrets in headers, query strings and bodies", async () => {
    const c = clients(t.app);
    const certs = testCertificates();
    const password = "correct horse battery staple 17";
    const wrongPassword = "not the password 9f8e7d";
    const regionToken = "region-token-secret-5c1d";
    const reader = await createCredential(t, { type: "token", role: "reader", name: "reader" });
    const key = await createCredential(t, { type: "access_key", role: "admin", name: "sdk" });
    const user = await createCredential(t, { type: "password", role: "admin", user_name: "log-ops", password });
    secrets.push(reader.token as string, key.secret as string, password, wrongPassword, regionToken);
    // a private key's body lines are distinctive: none of them may appear
    secrets.push(...certs.key.split("\n").filter((l) => !l.startsWith("-----")));

    // regions with secrets, through both dialects
    const rainbondRegion = {
      region_name: "log-secrets",
      region_alias: "密",
      url: "https://10.0.0.1:8443",
      wsurl: "wss://10.0.0.1:6060",
      httpdomain: "apps.example.com",
      tcpdomain: "10.0.0.1",
      ssl_ca_cert: certs.ca,
      cert_file: certs.cert,
      key_file: certs.key,
      token: regionToken,
    };
    expect((await c.rainbond("POST", "/openapi/v2/manage/regions", rainbondRegion)).status).toBe(201);
    expect((await c.rainbond("POST", "/openapi/v1/regions", { ...rainbondRegion, region_name: "log-v1" })).status).toBe(201);
    expect((await c.rainbond("POST", "/openapi/v2/manage/regions", rainbondRegion, manageToken)).status).toBeGreaterThanOrEqual(
      400,
    );
    expect((await c.rainbond("POST", "/openapi/v2/manage/regions", { ...rainbondRegion, url: "nope" })).status).toBe(400);

    // Keystone logins: password (right and wrong), token method; validation and revocation
    const login = (identity: unknown) => c.keystone("POST", "/v3/auth/tokens", { auth: { identity } }, null);
    const passwordIdentity = (p: string) => ({
      methods: ["password"],
      password: { user: { name: "log-ops", domain: { name: "Default" }, password: p } },
    });
    const issuedRes = await login(passwordIdentity(password));
    expect(issuedRes.status).toBe(201);
    const issued = issuedRes.headers.get("X-Subject-Token") as string;
    secrets.push(issued);
    expect((await login(passwordIdentity(wrongPassword))).status).toBe(401);
    expect((await login({ methods: ["token"], token: { id: issued } })).status).toBe(201);
    expect((await login({ methods: ["token"], token: { id: `${issued}x` } })).status).toBe(401);
    const subject = (method: string, token: string) =>
      t.app.request("http://gw.test/v3/auth/tokens", { method, headers: { "X-Auth-Token": issued, "X-Subject-Token": token } });
    expect((await subject("GET", issued)).status).toBe(200);
    expect((await subject("GET", reader.token as string)).status).toBe(200);
    expect((await subject("HEAD", "rgw1.not-a-token")).status).toBe(404);

    // Huawei AK/SK: a good signature, a bad one, a stale date
    const sign = (path: string, sk: string, method = "GET", data?: object) => {
      const headers = AKSKSigner.sign(
        {
          method,
          endpoint: `http://gw.test${path}`,
          headers: data ? { "Content-Type": "application/json" } : {},
          queryParams: {},
          data,
        },
        { getAk: () => key.access as string, getSk: () => sk },
      );
      const signature = /Signature=([0-9a-f]+)/.exec(headers.Authorization ?? "")?.[1];
      if (signature) secrets.push(signature);
      return t.app.request(`http://gw.test${path}`, { method, headers, body: data ? JSON.stringify(data) : undefined });
    };
    expect((await sign("/v3/regions", key.secret as string)).status).toBe(200);
    expect((await sign("/v3/auth/domains", key.secret as string)).status).toBe(200);
    const signedCreate = { region: { id: "signed-create", description: "with a signature" } };
    expect((await sign("/v3/regions", key.secret as string, "POST", signedCreate)).status).toBe(201);
    expect((await sign("/v3/regions", "a wrong secret key")).status).toBe(401);

    // exports with secrets, an import carrying them, the metrics with their token
    const exported = await t.app.request("http://gw.test/admin/v1/export?format=rainbond&include_secrets=true", {
      headers: { "X-Auth-Token": adminToken },
    });
    expect(exported.status).toBe(200);
    const document = await exported.text();
    expect(document).toContain(regionToken);
    const imported = await t.app.request("http://gw.test/admin/v1/import?format=rainbond&dry_run=true", {
      method: "POST",
      headers: { "X-Auth-Token": adminToken, "Content-Type": "application/json" },
      body: document,
    });
    expect(imported.status).toBe(200);
    expect(
      (await t.app.request("http://gw.test/metrics", { headers: { Authorization: "Bearer metrics-bearer-secret" } })).status,
    ).toBe(200);
    expect((await t.app.request("http://gw.test/metrics", { headers: { Authorization: `Bearer ${adminToken}` } })).status).toBe(
      401,
    );

    // every registered route, every method, as admin, as a reader, with a wrong token and with none;
    // secrets in every header a client might put them in, in the query string and in the body
    const templates = [...new Set(t.app.routes.map((r) => r.path).filter((p) => !p.endsWith("*")))];
    const secretBody = JSON.stringify({
      region: { id: "from-generic", description: password },
      auth: { identity: { methods: ["password"], password: { user: { name: "log-ops", password: wrongPassword } } } },
      password,
      token: regionToken,
      key_file: certs.key,
    });
    for (const template of templates) {
      const path = template.replace(/:[a-z_]+(\{[^}]*\})?/gi, "log-secrets");
      for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]) {
        for (const token of [adminToken, reader.token as string, "rgt_wrong-token-3f9a", null]) {
          const headers: Record<string, string> = { "Content-Type": "application/json", "X-Subject-Token": issued };
          if (token) Object.assign(headers, { "X-Auth-Token": token, Authorization: token });
          const res = await t.app.request(`http://gw.test${path}?token=${regionToken}&password=${encodeURIComponent(password)}`, {
            method,
            headers,
            body: method === "GET" || method === "HEAD" ? undefined : secretBody,
          });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
        }
      }
    }
    expect((await t.app.request("http://gw.test/credentials/revoked", { method: "DELETE" })).status).toBe(404);
    expect((await c.keystone("DELETE", `/admin/v1/credentials/${user.id}`)).status).toBeLessThan(300);

    const text = log.lines.join("");
    for (const secret of secrets) expect(text.includes(secret), `a secret in the log: ${secret.slice(0, 12)}…`).toBe(false);
    // and every route the app has was among them (a new route is driven by this test as it is)
    const logged = new Set(log.requestLines().map((l) => l.route));
    expect(templates.filter((r) => !logged.has(r))).toEqual([]);
    expect(log.requestLines().length).toBeGreaterThan(templates.length * 6 * 4);
  });
});
