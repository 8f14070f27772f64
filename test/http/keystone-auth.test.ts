import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

const passwordAuth = (user: Record<string, unknown>, password: string, scope?: unknown) => ({
  auth: {
    identity: { methods: ["password"], password: { user: { ...user, password } } },
    ...(scope ? { scope } : {}),
  },
});
const unauthorizedBody = {
  error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." },
};

for (const backend of backends) {
  describe.skipIf(!backend.available)(`POST|GET|DELETE /v3/auth/tokens (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    // a moving clock near real time: revocations are kept by the database's clock
    let clock = Math.floor(Date.now() / 1000) * 1000;
    let userId: string;
    beforeAll(async () => {
      t = await openTestApp(backend, { now: () => clock, tokenTtlSeconds: 3600 });
      c = clients(t.app);
      userId = (await createCredential(t, { type: "password", role: "admin", user_name: "ops", password: "ops-password-1" })).id;
      await createCredential(t, { type: "password", role: "reader", user_name: "viewer", password: "viewer-password" });
    });
    afterAll(() => t?.close());

    const login = (body: unknown) => c.keystone("POST", "/v3/auth/tokens", body, null);

    it("issues a project-scoped token as keystoneauth expects (201, X-Subject-Token, catalog)", async () => {
      const scope = { project: { name: "admin", domain: { name: "Default" } } };
      const res = await login(passwordAuth({ name: "ops", domain: { name: "Default" } }, "ops-password-1", scope));
      expect(res.status).toBe(201);
      const subject = res.headers.get("X-Subject-Token");
      expect(subject).toMatch(/^rgw1\./);
      expect(res.headers.get("Vary")).toBe("X-Auth-Token");
      const { token } = (await res.json()) as { token: Record<string, any> };
      expect(token).toMatchObject({
        methods: ["password"],
        user: { domain: { id: "default", name: "Default" }, id: userId, name: "ops", password_expires_at: null },
        expires_at: new Date(clock + 3600_000).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"),
        issued_at: new Date(clock).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"),
        project: { domain: { id: "default", name: "Default" }, name: "admin" },
        is_domain: false,
      });
      expect(token.roles.map((r: { name: string }) => r.name)).toEqual(["admin", "member", "reader"]);
      expect(token.audit_ids).toHaveLength(1);
      const identity = token.catalog.find((s: { type: string }) => s.type === "identity");
      expect(identity.endpoints).toContainEqual(expect.objectContaining({ interface: "public", url: "http://gw.test/v3/" }));
      // the issued token works as X-Auth-Token, and writes (admin role)
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "via-issued" } }, subject)).status).toBe(201);
    });

    it("accepts a user by id, unscoped; a reader's token cannot write", async () => {
      const res = await login(passwordAuth({ name: "viewer", domain: { id: "default" } }, "viewer-password"));
      expect(res.status).toBe(201);
      const body = (await res.json()) as { token: Record<string, unknown> };
      expect(body.token.project).toBeUndefined();
      expect(body.token.roles).toEqual([expect.objectContaining({ name: "reader" })]);
      const subject = res.headers.get("X-Subject-Token") as string;
      expect((await c.keystone("GET", "/v3/regions", undefined, subject)).status).toBe(200);
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "nope" } }, subject)).status).toBe(403);
      const byId = await login(passwordAuth({ id: userId }, "ops-password-1"));
      expect(byId.status).toBe(201);
    });

    it("a wrong password, an unknown user, another domain: the same 401, no hint", async () => {
      for (const body of [
        passwordAuth({ name: "ops", domain: { name: "Default" } }, "wrong"),
        passwordAuth({ name: "nobody", domain: { name: "Default" } }, "ops-password-1"),
        passwordAuth({ name: "ops", domain: { name: "Other" } }, "ops-password-1"),
        passwordAuth({ id: "no-such-id" }, "ops-password-1"),
      ]) {
        const res = await login(body);
        expect(res.status).toBe(401);
        expect(res.headers.get("WWW-Authenticate")).toBe('Keystone uri="http://gw.test/v3"');
        expect(await res.json()).toEqual(unauthorizedBody);
      }
    });

    it("refuses malformed bodies with 400", async () => {
      expect((await login({ auth: {} })).status).toBe(400);
      expect((await c.keystone("POST", "/v3/auth/tokens", "{not json", null)).status).toBe(400);
    });

    it("validates with GET (X-Subject-Token), revokes with DELETE; expired tokens are refused", async () => {
      const res = await login(passwordAuth({ name: "ops", domain: { name: "Default" } }, "ops-password-1"));
      const subject = res.headers.get("X-Subject-Token") as string;
      const other = (await login(passwordAuth({ name: "viewer", domain: { name: "Default" } }, "viewer-password"))).headers.get(
        "X-Subject-Token",
      ) as string;
      const tokens = (method: string, caller: string, subjectToken: string) =>
        t.app.request("http://gw.test/v3/auth/tokens", {
          method,
          headers: { "X-Auth-Token": caller, "X-Subject-Token": subjectToken },
        });
      // an admin validates any token
      const check = await tokens("GET", subject, other);
      expect(check.status).toBe(200);
      expect(check.headers.get("X-Subject-Token")).toBe(other);
      expect(((await check.json()) as { token: { user: { name: string } } }).token.user.name).toBe("viewer");
      // the owner validates its own
      expect((await tokens("GET", other, other)).status).toBe(200);
      expect((await tokens("HEAD", other, other)).status).toBe(200);
      const bogus = await tokens("GET", subject, "rgw1.bogus.sig");
      expect(bogus.status).toBe(404);
      expect(((await bogus.json()) as { error: { message: string } }).error.message).toBe("Could not find token.");

      const del = await tokens("DELETE", subject, subject);
      expect(del.status).toBe(204);
      expect((await c.keystone("GET", "/v3/regions", undefined, subject)).status).toBe(401);
      expect((await c.keystone("GET", "/v3/regions", undefined, other)).status).toBe(200);
      clock += 3601 * 1000;
      expect((await c.keystone("GET", "/v3/regions", undefined, other)).status).toBe(401);
    });

    it("only admins and the token's owner may validate or revoke it (403 in Keystone's shape otherwise)", async () => {
      const adminToken = (await login(passwordAuth({ name: "ops", domain: { name: "Default" } }, "ops-password-1"))).headers.get(
        "X-Subject-Token",
      ) as string;
      const reader = (await login(passwordAuth({ name: "viewer", domain: { name: "Default" } }, "viewer-password"))).headers.get(
        "X-Subject-Token",
      ) as string;
      const stranger = (await createCredential(t, { type: "token", role: "reader" })).token as string;
      const tokens = (method: string, caller: string, subjectToken: string) =>
        t.app.request("http://gw.test/v3/auth/tokens", {
          method,
          headers: { "X-Auth-Token": caller, "X-Subject-Token": subjectToken },
        });
      const forbidden = (action: string) => ({
        error: {
          code: 403,
          title: "Forbidden",
          message: `You are not authorized to perform the requested action: identity:${action}.`,
        },
      });
      for (const subjectToken of [adminToken, reader, "rgw1.bogus.sig"]) {
        const validate = await tokens("GET", stranger, subjectToken);
        expect(validate.status).toBe(403);
        expect(await validate.json()).toEqual(forbidden("validate_token"));
        expect((await tokens("HEAD", stranger, subjectToken)).status).toBe(403);
        const revoke = await tokens("DELETE", stranger, subjectToken);
        expect(revoke.status).toBe(403);
        expect(await revoke.json()).toEqual(forbidden("revoke_token"));
      }
      expect((await tokens("DELETE", reader, adminToken)).status).toBe(403);
      expect((await c.keystone("GET", "/v3/regions", undefined, adminToken)).status).toBe(200);
      expect((await c.keystone("GET", "/v3/regions", undefined, reader)).status).toBe(200);
      // an admin may revoke another's token
      expect((await tokens("DELETE", adminToken, reader)).status).toBe(204);
      expect((await c.keystone("GET", "/v3/regions", undefined, reader)).status).toBe(401);
    });

    it("a token issued to a revoked credential stops working at once", async () => {
      const { id } = await createCredential(t, {
        type: "password",
        role: "reader",
        user_name: "temp",
        password: "temp-password",
      });
      const subject = (await login(passwordAuth({ name: "temp", domain: { name: "Default" } }, "temp-password"))).headers.get(
        "X-Subject-Token",
      ) as string;
      expect((await c.keystone("GET", "/v3/regions", undefined, subject)).status).toBe(200);
      await c.keystone("DELETE", `/admin/v1/credentials/${id}`);
      expect((await c.keystone("GET", "/v3/regions", undefined, subject)).status).toBe(401);
      expect((await login(passwordAuth({ name: "temp", domain: { name: "Default" } }, "temp-password"))).status).toBe(401);
    });
  });
}
