import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "../../src/identity/authenticator.ts";
import { issueToken } from "../../src/identity/issued-tokens.ts";
import { backends, testSecretBox } from "../support/backends.ts";
import { adminToken, clients, createCredential, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";

// Stored tokens (ADMIN_TOKEN, rgt_… credentials, the bootstrap admin token, which is an rgt_
// credential) are Keystone tokens too: validated by GET|HEAD /v3/auth/tokens and exchanged with the
// token method, as every Keystone client's token login does.
const keystoneTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
const tokenLogin = (id: string, scope?: unknown) => ({
  auth: { identity: { methods: ["token"], token: { id } }, ...(scope ? { scope } : {}) },
});
interface Endpoint {
  interface: string;
  region: string;
  region_id: string;
  url: string;
}
type TokenBody = { token: Record<string, any> };
const identityEndpoints = (token: Record<string, any>): Endpoint[] =>
  token.catalog.find((s: { type: string }) => s.type === "identity").endpoints;
const regionsOf = (endpoints: Endpoint[], iface = "public") =>
  endpoints.filter((e) => e.interface === iface).map((e) => e.region_id);

for (const backend of backends) {
  describe.skipIf(!backend.available)(`stored tokens at /v3/auth/tokens, the catalogue, /v3/auth/* (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    const clock = Math.floor(Date.now() / 1000) * 1000;
    const validate = (caller: string, subject: string, method = "GET") =>
      t.app.request("http://gw.test/v3/auth/tokens", { method, headers: { "X-Auth-Token": caller, "X-Subject-Token": subject } });
    const login = (body: unknown) => c.keystone("POST", "/v3/auth/tokens", body, null);
    beforeAll(async () => {
      t = await openTestApp(backend, { now: () => clock, tokenTtlSeconds: 3600 });
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    it("an empty catalogue: the identity endpoint is in RegionOne, for ADMIN_TOKEN validated as a subject", async () => {
      const res = await validate(adminToken, adminToken);
      expect(res.status).toBe(200);
      expect(res.headers.get("X-Subject-Token")).toBe(adminToken);
      const { token } = (await res.json()) as TokenBody;
      expect(token).toMatchObject({
        methods: ["token"],
        user: { domain: { id: "default", name: "Default" }, name: "ADMIN_TOKEN", password_expires_at: null },
        expires_at: null,
        is_domain: false,
      });
      expect(token.roles.map((r: { name: string }) => r.name)).toEqual(["admin", "member", "reader"]);
      expect(identityEndpoints(token)).toEqual(
        ["public", "internal", "admin"].map((iface) =>
          expect.objectContaining({ interface: iface, region: "RegionOne", region_id: "RegionOne", url: "http://gw.test/v3/" }),
        ),
      );
      const head = await validate(adminToken, adminToken, "HEAD");
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    });

    it("an rgt_ credential validates as itself: its user, its role, its expiry, the regions it can see", async () => {
      for (const id of ["tl-public", "tl-granted", "tl-hidden"]) {
        const type = id === "tl-public" ? "public" : "private";
        expect((await c.keystone("POST", "/v3/regions", { region: { id, type } })).status).toBe(201);
      }
      const expires = new Date(clock + 600_000).toISOString();
      const reader = await createCredential(t, {
        type: "token",
        role: "reader",
        name: "tl-reader",
        private_regions: ["tl-granted"],
        expires_at: expires,
      });
      const res = await validate(reader.token as string, reader.token as string);
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as TokenBody;
      expect(token).toMatchObject({
        methods: ["token"],
        user: { id: reader.id, name: "tl-reader" },
        expires_at: keystoneTime(Date.parse(expires)),
      });
      expect(typeof token.issued_at).toBe("string");
      expect(token.audit_ids).toHaveLength(1);
      expect(token.roles).toEqual([expect.objectContaining({ name: "reader" })]);
      // RegionOne first (what a client naming no region picks), then every region the caller can see
      expect(regionsOf(identityEndpoints(token))).toEqual(["RegionOne", "tl-granted", "tl-public"]);
      expect(regionsOf(identityEndpoints(token), "internal")).toEqual(["RegionOne", "tl-granted", "tl-public"]);
      // the admin sees the hidden private region too
      const admin = ((await (await validate(adminToken, adminToken)).json()) as TokenBody).token;
      expect(regionsOf(identityEndpoints(admin))).toEqual(["RegionOne", "tl-granted", "tl-hidden", "tl-public"]);
    });

    it("the token method exchanges a stored token for an issued one expiring no later than the credential", async () => {
      const expires = clock + 600_000;
      const cred = await createCredential(t, {
        type: "token",
        role: "admin",
        name: "tl-admin",
        expires_at: new Date(expires).toISOString(),
      });
      const scope = { project: { name: "admin", domain: { name: "Default" } } };
      const res = await login(tokenLogin(cred.token as string, scope));
      expect(res.status).toBe(201);
      const issued = res.headers.get("X-Subject-Token") as string;
      expect(issued).toMatch(/^rgw1\./);
      const { token } = (await res.json()) as TokenBody;
      expect(token).toMatchObject({
        methods: ["token"],
        user: { id: cred.id, name: "tl-admin" },
        expires_at: keystoneTime(expires),
        project: { name: "admin" },
      });
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "tl-via-exchange" } }, issued)).status).toBe(201);
      // without an expiry on the credential: the ordinary TTL
      const plain = await createCredential(t, { type: "token", role: "reader", name: "tl-plain" });
      const body = (await (await login(tokenLogin(plain.token as string))).json()) as TokenBody;
      expect(body.token.expires_at).toBe(keystoneTime(clock + 3600_000));
    });

    it("ADMIN_TOKEN exchanges too; MANAGE_TOKEN and unknown tokens are neither valid subjects nor exchangeable", async () => {
      const res = await login(tokenLogin(adminToken));
      expect(res.status).toBe(201);
      const issued = res.headers.get("X-Subject-Token") as string;
      expect(((await res.json()) as TokenBody).token.user.name).toBe("ADMIN_TOKEN");
      expect((await c.keystone("DELETE", "/v3/regions/tl-via-exchange", undefined, issued)).status).toBe(204);
      for (const bad of [manageToken, "rgt_not-a-token", "nothing"]) {
        expect((await login(tokenLogin(bad))).status, bad).toBe(401);
        const v = await validate(adminToken, bad);
        expect(v.status, bad).toBe(404);
        expect(((await v.json()) as { error: { message: string } }).error.message).toBe("Could not find token.");
      }
    });

    it("a revoked credential fails both at once, and so do the tokens obtained from it", async () => {
      const cred = await createCredential(t, { type: "token", role: "reader", name: "tl-revoked" });
      const stored = cred.token as string;
      const issued = (await login(tokenLogin(stored))).headers.get("X-Subject-Token") as string;
      expect((await validate(adminToken, stored)).status).toBe(200);
      expect((await c.keystone("GET", "/v3/regions", undefined, issued)).status).toBe(200);
      expect((await c.keystone("DELETE", `/admin/v1/credentials/${cred.id}`)).status).toBe(204);
      expect((await validate(adminToken, stored)).status).toBe(404);
      expect((await login(tokenLogin(stored))).status).toBe(401);
      expect((await c.keystone("GET", "/v3/regions", undefined, issued)).status).toBe(401);
    });

    it("GET /v3/auth/catalog, /v3/auth/projects, /v3/auth/domains answer for the caller", async () => {
      const reader = await createCredential(t, { type: "token", role: "reader", name: "tl-cat" });
      const cat = await c.keystone("GET", "/v3/auth/catalog", undefined, reader.token as string);
      expect(cat.status).toBe(200);
      const catalog = (await cat.json()) as { catalog: Array<{ type: string; endpoints: Endpoint[] }>; links: unknown };
      expect(catalog.links).toEqual({ self: "http://gw.test/v3/auth/catalog", previous: null, next: null });
      expect(regionsOf(catalog.catalog[0]?.endpoints ?? [])).toEqual(["RegionOne", "tl-public"]);

      const domains = await c.keystone("GET", "/v3/auth/domains", undefined, reader.token as string);
      expect(domains.status).toBe(200);
      expect(await domains.json()).toEqual({
        domains: [
          {
            id: "default",
            name: "Default",
            description: "The default domain",
            enabled: true,
            tags: [],
            options: {},
            links: { self: "http://gw.test/v3/domains/default" },
          },
        ],
        links: { self: "http://gw.test/v3/auth/domains", previous: null, next: null },
      });

      // unscoped caller: no project; a project-scoped token: its project
      const none = (await (await c.keystone("GET", "/v3/auth/projects", undefined, reader.token as string)).json()) as {
        projects: unknown[];
      };
      expect(none.projects).toEqual([]);
      const scoped = (
        await login(tokenLogin(reader.token as string, { project: { name: "demo", domain: { id: "default" } } }))
      ).headers.get("X-Subject-Token") as string;
      const projects = await c.keystone("GET", "/v3/auth/projects", undefined, scoped);
      expect(projects.status).toBe(200);
      const body = (await projects.json()) as { projects: Array<Record<string, unknown>>; links: unknown };
      expect(body.projects).toEqual([
        expect.objectContaining({ name: "demo", domain_id: "default", enabled: true, is_domain: false, parent_id: "default" }),
      ]);
      expect(body.links).toEqual({ self: "http://gw.test/v3/auth/projects", previous: null, next: null });

      for (const path of ["/v3/auth/catalog", "/v3/auth/projects", "/v3/auth/domains"]) {
        expect((await c.keystone("GET", path, undefined, null)).status, path).toBe(401);
      }
    });

    it("a very large catalogue: the identity endpoint is listed in RegionOne and the first 100 visible regions", async () => {
      const regions = Array.from({ length: 105 }, (_, i) => ({ id: `tl-many-${String(i).padStart(3, "0")}` }));
      expect((await c.keystone("POST", "/admin/v1/import?format=keystone", { regions })).status).toBe(200);
      const { token } = (await (await validate(adminToken, adminToken)).json()) as TokenBody;
      const listed = regionsOf(identityEndpoints(token));
      expect(listed).toHaveLength(101);
      expect(listed[0]).toBe("RegionOne");
      expect(new Set(listed).size).toBe(101);
    });
  });
}

describe("tokens obtained with ADMIN_TOKEN", () => {
  it("end when ADMIN_TOKEN is changed or unset (they carry a keyed fingerprint of it)", () => {
    const identity = () => ({ credentials: [], revokedTokens: new Set<string>() }) as never;
    const before = createAuthenticator({ identity, secretBox: testSecretBox, adminToken: "admin-one" });
    const subject = before.readSubject("admin-one");
    expect(subject).toMatchObject({ kind: "stored", credential: { id: "env:ADMIN_TOKEN", role: "admin" } });
    const key = subject?.kind === "stored" ? subject.key : undefined;
    const exp = Date.now() + 60_000;
    const { token } = issueToken(before.tokenSigningKey, {
      cred: "env:ADMIN_TOKEN",
      methods: ["token"],
      iat: Date.now(),
      exp,
      key,
    });
    expect(before.readIssued(token)?.credential.name).toBe("ADMIN_TOKEN");
    // a forged payload without the fingerprint is refused even under the right signing key
    const forged = issueToken(before.tokenSigningKey, { cred: "env:ADMIN_TOKEN", methods: ["token"], iat: Date.now(), exp });
    expect(before.readIssued(forged.token)).toBeNull();
    const rotated = createAuthenticator({ identity, secretBox: testSecretBox, adminToken: "admin-two" });
    expect(rotated.readIssued(token)).toBeNull();
    expect(rotated.authenticate(token, "keystone")).toBeNull();
    const unset = createAuthenticator({ identity, secretBox: testSecretBox });
    expect(unset.readIssued(token)).toBeNull();
    expect(unset.readSubject("admin-one")).toBeNull();
  });
});
