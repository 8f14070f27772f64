import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { adminToken, clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

const region = (name: string, scope: "public" | "private", extra: Record<string, unknown> = {}) => ({
  region_name: name,
  region_alias: name,
  url: "https://10.3.0.1:8443",
  wsurl: "wss://10.3.0.1:6060",
  httpdomain: "apps.example.com",
  tcpdomain: "10.3.0.1",
  scope,
  key_file: `KEY-OF-${name}`,
  token: `TOKEN-OF-${name}`,
  ...extra,
});

for (const backend of backends) {
  describe.skipIf(!backend.available)(`credentials, roles and visibility (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    let readerToken: string;
    let grantedToken: string;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
      for (const [name, scope, ent] of [
        ["pub-1", "public", "ent-a"],
        ["priv-1", "private", "ent-a"],
        ["priv-2", "private", "ent-b"],
      ] as const) {
        const res = await c.rainbond("POST", "/openapi/v1/regions", region(name, scope, { enterprise_id: ent }));
        expect(res.status).toBe(201);
      }
      readerToken = (await createCredential(t, { type: "token", role: "reader", name: "plain reader" })).token as string;
      grantedToken = (await createCredential(t, { type: "token", role: "reader", private_regions: ["priv-1"] })).token as string;
    });
    afterAll(() => t?.close());

    it("creates a token credential: the secret is shown once, never listed", async () => {
      const res = await c.keystone("POST", "/admin/v1/credentials", { type: "token", role: "reader", name: "ci" });
      expect(res.status).toBe(201);
      const created = (await res.json()) as Record<string, unknown>;
      expect(created).toMatchObject({ type: "token", role: "reader", name: "ci", private_regions: [], expires_at: null });
      expect(created.token).toMatch(/^rgt_/);
      const list = await (await c.keystone("GET", "/admin/v1/credentials")).text();
      expect(list).toContain(created.id as string);
      expect(list).not.toContain(created.token as string);
      expect(list).not.toMatch(/secret_hash|scrypt|sealed/);
    });

    it("creates password and access-key credentials (SK shown once) and refuses bad requests", async () => {
      const pw = await c.keystone("POST", "/admin/v1/credentials", {
        type: "password",
        role: "reader",
        user_name: "alice",
        password: "alice-password",
      });
      expect(pw.status).toBe(201);
      expect(await pw.json()).toMatchObject({ type: "password", user_name: "alice", name: "alice" });
      const dup = await c.keystone("POST", "/admin/v1/credentials", {
        type: "password",
        role: "reader",
        user_name: "alice",
        password: "another-password",
      });
      expect(dup.status).toBe(409);
      const ak = (await (
        await c.keystone("POST", "/admin/v1/credentials", { type: "access_key", role: "reader" })
      ).json()) as Record<string, string>;
      expect(ak.access).toMatch(/^[0-9A-F]{20}$/);
      expect(ak.secret?.length).toBeGreaterThanOrEqual(40);
      expect(await (await c.keystone("GET", "/admin/v1/credentials")).text()).not.toContain(ak.secret);
      const before = await (await c.keystone("GET", "/admin/v1/credentials")).text();
      for (const [body, fragment] of [
        [{ type: "token", role: "reader", private_regions: ["no-such-region"] }, "no-such-region"],
        [{ type: "token", role: "superuser" }, "role"],
        [{ type: "password", role: "reader", user_name: "bob", password: "short" }, "password"],
        [{ type: "token", role: "reader", expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
        [{ type: "cookie", role: "reader" }, "type"],
      ] as const) {
        const res = await c.keystone("POST", "/admin/v1/credentials", body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(fragment);
      }
      expect(await (await c.keystone("GET", "/admin/v1/credentials")).text()).toBe(before);
    });

    it("only admins reach the admin API", async () => {
      expect((await c.keystone("GET", "/admin/v1/credentials", undefined, null)).status).toBe(401);
      const res = await c.keystone("GET", "/admin/v1/credentials", undefined, readerToken);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 403, title: "Forbidden" } });
    });

    it("a reader cannot write: 403 in each dialect's shape, nothing changed", async () => {
      const ks = await c.keystone("POST", "/v3/regions", { region: { id: "by-reader" } }, readerToken);
      expect(ks.status).toBe(403);
      expect(await ks.json()).toEqual({
        error: {
          code: 403,
          title: "Forbidden",
          message: "You are not authorized to perform the requested action: identity:create_region.",
        },
      });
      expect((await c.keystone("DELETE", "/v3/regions/pub-1", undefined, readerToken)).status).toBe(403);
      const rb = await c.rainbond("POST", "/openapi/v2/manage/regions", region("by-reader", "public"), readerToken);
      expect(rb.status).toBe(403);
      expect(await rb.json()).toEqual({
        detail: "您没有执行该操作的权限。",
        code: 403,
        msg: "您没有执行该操作的权限。",
        msg_show: "您没有执行该操作的权限。",
      });
      expect(t.catalog.get("by-reader")).toBeUndefined();
      expect(t.catalog.get("pub-1")).toBeDefined();
    });

    it("a reader never sees region secrets; an admin does", async () => {
      const asReader = (await (await c.rainbond("GET", "/openapi/v2/manage/regions", undefined, readerToken)).json()) as {
        data: Array<Record<string, unknown>>;
      };
      expect(asReader.data.find((r) => r.region_name === "pub-1")).toMatchObject({ key_file: null, token: null });
      const one = await (await c.rainbond("GET", "/openapi/v1/regions/pub-1", undefined, readerToken)).json();
      expect(one).toMatchObject({ key_file: null });
      const asAdmin = await (await c.rainbond("GET", "/openapi/v1/regions/pub-1")).json();
      expect(asAdmin).toMatchObject({ key_file: "KEY-OF-pub-1" });
    });

    it("private regions: hidden from readers not granted them, in both dialects; visible when granted", async () => {
      const ids = async (token: string) =>
        ((await (await c.keystone("GET", "/v3/regions", undefined, token)).json()) as { regions: { id: string }[] }).regions.map(
          (r) => r.id,
        );
      expect(await ids(readerToken)).toEqual(["pub-1"]);
      expect(await ids(grantedToken)).toEqual(["pub-1", "priv-1"]);
      expect(await ids(adminToken)).toEqual(["pub-1", "priv-1", "priv-2"]);
      expect((await c.keystone("GET", "/v3/regions/priv-1", undefined, readerToken)).status).toBe(404);
      expect((await c.keystone("GET", "/v3/regions/priv-1", undefined, grantedToken)).status).toBe(200);
      expect((await c.keystone("GET", "/v3/regions/priv-2", undefined, grantedToken)).status).toBe(404);
      const rbNames = async (token: string) =>
        ((await (await c.rainbond("GET", "/openapi/v1/regions", undefined, token)).json()) as { region_name: string }[]).map(
          (r) => r.region_name,
        );
      expect(await rbNames(readerToken)).toEqual(["pub-1"]);
      expect(await rbNames(grantedToken)).toEqual(["pub-1", "priv-1"]);
      expect((await c.rainbond("GET", "/openapi/v1/regions/priv-2", undefined, grantedToken)).status).toBe(404);
    });

    it("a credential bound to an enterprise sees only that enterprise's regions on Rainbond v1", async () => {
      const { token } = await createCredential(t, { type: "token", role: "admin", enterprise_id: "ent-b" });
      const names = (
        (await (await c.rainbond("GET", "/openapi/v1/regions", undefined, token)).json()) as { region_name: string }[]
      ).map((r) => r.region_name);
      expect(names).toEqual(["priv-2"]);
      expect((await c.rainbond("GET", "/openapi/v1/regions/pub-1", undefined, token)).status).toBe(404);
    });

    it("revocation is effective on the next request", async () => {
      const { id, token } = await createCredential(t, { type: "token", role: "reader" });
      expect((await c.keystone("GET", "/v3/regions", undefined, token)).status).toBe(200);
      expect((await c.keystone("DELETE", `/admin/v1/credentials/${id}`)).status).toBe(204);
      const after = await c.keystone("GET", "/v3/regions", undefined, token);
      expect(after.status).toBe(401);
      expect(after.headers.get("WWW-Authenticate")).toBe('Keystone uri="http://gw.test/v3"');
      expect((await c.rainbond("GET", "/openapi/v1/regions", undefined, token)).status).toBe(401);
      expect((await c.keystone("DELETE", `/admin/v1/credentials/${id}`)).status).toBe(404);
    });

    it("records every write with who, which dialect, before and after, secrets redacted", async () => {
      await c.keystone("PATCH", "/v3/regions/pub-1", { region: { description: "patched" } });
      const res = await c.keystone("GET", "/admin/v1/audit?region=pub-1&limit=10");
      expect(res.status).toBe(200);
      const { entries } = (await res.json()) as { entries: Array<Record<string, any>> };
      expect(entries.map((e) => [e.action, e.dialect])).toEqual([
        ["region.update", "keystone"],
        ["region.create", "rainbond"],
      ]);
      expect(entries[0]).toMatchObject({ actor: { id: "env:ADMIN_TOKEN", name: "ADMIN_TOKEN" }, subject: "pub-1" });
      expect(entries[0]?.before.description).toBe("");
      expect(entries[0]?.after.description).toBe("patched");
      expect(entries[0]?.after.clientKey).toBe("[redacted]");
      const all = await (await c.keystone("GET", "/admin/v1/audit?limit=1000")).text();
      expect(all).not.toContain("KEY-OF-");
      expect(all).not.toContain("TOKEN-OF-");
      expect(all).not.toMatch(/rgt_[A-Za-z0-9_-]{43}/);
      expect(all).toContain('"action":"credential.create"');
      expect((await c.keystone("GET", "/admin/v1/audit?limit=0")).status).toBe(400);
    });
  });
}
