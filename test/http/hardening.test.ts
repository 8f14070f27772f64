import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { adminToken, clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

// Regressions for the security review: each test fails on the code before its fix.
for (const backend of backends) {
  describe.skipIf(!backend.available)(`hardening (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    // a moving clock near real time: revocations are kept by the database's clock
    let clock = Math.floor(Date.now() / 1000) * 1000;
    beforeAll(async () => {
      t = await openTestApp(backend, { now: () => clock, tokenTtlSeconds: 3600 });
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    const ids = async (token: string) =>
      ((await (await c.keystone("GET", "/v3/regions", undefined, token)).json()) as { regions: { id: string }[] }).regions
        .map((r) => r.id)
        .sort();

    it("readers whose grants only look alike never share a rendered list", async () => {
      for (const id of ["a,b", "a", "b"]) await c.keystone("POST", "/v3/regions", { region: { id, type: "private" } });
      const one = (await createCredential(t, { type: "token", role: "reader", private_regions: ["a,b"] })).token as string;
      const two = (await createCredential(t, { type: "token", role: "reader", private_regions: ["a", "b"] })).token as string;
      expect(await ids(one)).toEqual(["a,b"]);
      expect(await ids(two)).toEqual(["a", "b"]);
    });

    it("the rendered-answer cache stays bounded whatever the queries", async () => {
      const long = "q".repeat(2000);
      for (let i = 0; i < 1500; i++) await c.rainbond("GET", `/openapi/v2/manage/regions?query=${long}${i}`);
      const snapshot = t.catalog.store.snapshot;
      expect(snapshot.rendered.size).toBeLessThanOrEqual(1024);
    });

    it("a token obtained with the token method keeps the first token's expiry and is revoked with it", async () => {
      await createCredential(t, { type: "password", role: "reader", user_name: "chain", password: "chain-password" });
      const first = await c.keystone("POST", "/v3/auth/tokens", {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name: "chain", domain: { id: "default" }, password: "chain-password" } },
          },
        },
      });
      const tok1 = first.headers.get("X-Subject-Token") as string;
      clock += 30 * 60 * 1000;
      const second = await c.keystone(
        "POST",
        "/v3/auth/tokens",
        { auth: { identity: { methods: ["token"], token: { id: tok1 } } } },
        null,
      );
      expect(second.status).toBe(201);
      const tok2 = second.headers.get("X-Subject-Token") as string;
      const body1 = (await first.json()) as { token: { expires_at: string; audit_ids: string[] } };
      const body2 = (await second.json()) as { token: { expires_at: string; audit_ids: string[] } };
      expect(body2.token.expires_at).toBe(body1.token.expires_at);
      expect(body2.token.audit_ids[1]).toBe(body1.token.audit_ids[0]);
      const del = await t.app.request("http://gw.test/v3/auth/tokens", {
        method: "DELETE",
        headers: { "X-Auth-Token": tok1, "X-Subject-Token": tok1 },
      });
      expect(del.status).toBe(204);
      expect((await c.keystone("GET", "/v3/regions", undefined, tok2)).status).toBe(401);
      const audit = await (await c.keystone("GET", "/admin/v1/audit?limit=5")).text();
      expect(audit).toContain('"action":"token.revoke"');
    });

    it("deleting a region withdraws the grants naming it: a new region of that name stays hidden", async () => {
      await c.keystone("POST", "/v3/regions", { region: { id: "proj-x", type: "private" } });
      const reader = (await createCredential(t, { type: "token", role: "reader", private_regions: ["proj-x"] })).token as string;
      expect((await c.keystone("GET", "/v3/regions/proj-x", undefined, reader)).status).toBe(200);
      expect((await c.keystone("DELETE", "/v3/regions/proj-x")).status).toBe(204);
      await c.keystone("POST", "/v3/regions", { region: { id: "proj-x", type: "private" } });
      expect((await c.keystone("GET", "/v3/regions/proj-x", undefined, reader)).status).toBe(404);
      const creds = (await (await c.keystone("GET", "/admin/v1/credentials")).json()) as {
        credentials: { private_regions: unknown }[];
      };
      expect(creds.credentials.some((cr) => Array.isArray(cr.private_regions) && cr.private_regions.includes("proj-x"))).toBe(
        false,
      );
    });

    it('"*" is all-or-nothing in grants', async () => {
      const res = await c.keystone("POST", "/admin/v1/credentials", {
        type: "token",
        role: "reader",
        private_regions: ["a", "*"],
      });
      expect(res.status).toBe(400);
    });

    it("a NUL character is a 400 in each dialect, never a 500, and changes nothing", async () => {
      await c.keystone("POST", "/v3/regions", { region: { id: "nul-target" } });
      for (const region of [{ description: "a\u0000b" }, { extra_key: "x\u0000" }, { locales: { "en-us": "\u0000" } }]) {
        const res = await c.keystone("PATCH", "/v3/regions/nul-target", { region });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain("NUL");
      }
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "nul-new", description: "\u0000" } })).status).toBe(400);
      expect((await c.keystone("POST", "/admin/v1/credentials", { type: "token", role: "reader", name: "x\u0000" })).status).toBe(
        400,
      );
      expect(t.catalog.get("nul-target")?.revision).toBe(1);
      expect(t.catalog.get("nul-new")).toBeUndefined();
    });

    it("answers are marked Cache-Control: no-store", async () => {
      expect((await c.keystone("GET", "/v3/regions")).headers.get("Cache-Control")).toBe("no-store");
      expect((await c.rainbond("GET", "/openapi/v1/regions")).headers.get("Cache-Control")).toBe("no-store");
    });
  });
}

describe("password checks under a flood", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backends[0] as (typeof backends)[0]);
    await createCredential(t, { type: "password", role: "reader", user_name: "victim", password: "victim-password" });
  });
  afterAll(() => t?.close());

  it("beyond what can be hashed soon, attempts get 429 with Retry-After, and the service recovers", async () => {
    const c = clients(t.app);
    const attempt = (password: string) =>
      c.keystone(
        "POST",
        "/v3/auth/tokens",
        {
          auth: {
            identity: { methods: ["password"], password: { user: { name: "victim", domain: { id: "default" }, password } } },
          },
        },
        null,
      );
    const flood = await Promise.all(Array.from({ length: 60 }, () => attempt("wrong")));
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const limited = flood.find((r) => r.status === 429) as Response;
    expect(limited.headers.get("Retry-After")).toBe("1");
    expect(await limited.json()).toMatchObject({ error: { code: 429, title: "Too Many Requests" } });
    expect((await attempt("victim-password")).status).toBe(201);
  });
});

for (const backend of backends) {
  describe.skipIf(!backend.available)(`values the database cannot store are refused with 400 (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());

    it("deep nesting, lone surrogates and padded ids: 400 in the Keystone shape, nothing stored", async () => {
      const c = clients(t.app);
      const deep = `{"region":{"id":"deep","x":${"[".repeat(8000)}${"]".repeat(8000)}}}`;
      const bodies = [
        deep,
        { region: { id: "sur1", locales: { "zh-cn": "\udc00x" } } },
        { region: { id: "sur2", k: "\ud800" } },
        { region: { id: "sur3", description: "a\ud800" } },
        { region: { id: " padded " } },
        { region: { id: "c1\u0085x" } },
      ];
      for (const body of bodies) {
        const res = await c.keystone("POST", "/v3/regions", body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { title: string } }).error.title).toBe("Bad Request");
      }
      let ok: unknown = "leaf";
      for (let i = 0; i < 20; i++) ok = { k: ok };
      expect((await c.keystone("POST", "/v3/regions", { region: { id: "nested-ok", x: ok } })).status).toBe(201);
      expect(t.catalog.list().map((r) => r.name)).toEqual(["nested-ok"]);
    });
  });
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`small wire details (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());

    it("a private parent is not named to a reader who cannot see it", async () => {
      const c = clients(t.app);
      await c.keystone("POST", "/v3/regions", { region: { id: "secret-parent", type: "private" } });
      await c.keystone("POST", "/v3/regions", { region: { id: "open-child", parent_region_id: "secret-parent" } });
      const reader = (await createCredential(t, { type: "token", role: "reader" })).token as string;
      const shown = (await (await c.keystone("GET", "/v3/regions/open-child", undefined, reader)).json()) as {
        region: { parent_region_id: unknown };
      };
      expect(shown.region.parent_region_id).toBeNull();
      const list = await (await c.keystone("GET", "/v3/regions", undefined, reader)).text();
      expect(list).not.toContain("secret-parent");
      const filtered = (await (
        await c.keystone("GET", "/v3/regions?parent_region_id=secret-parent", undefined, reader)
      ).json()) as {
        regions: unknown[];
      };
      expect(filtered.regions).toEqual([]);
      const asAdmin = (await (await c.keystone("GET", "/v3/regions/open-child")).json()) as {
        region: { parent_region_id: unknown };
      };
      expect(asAdmin.region.parent_region_id).toBe("secret-parent");
    });

    it("a region's ETag changes with every write to it", async () => {
      const c = clients(t.app);
      await c.keystone("POST", "/v3/regions", { region: { id: "tagged" } });
      const before = (await c.keystone("GET", "/v3/regions/tagged")).headers.get("ETag");
      expect(before).toMatch(/^"[0-9a-f]{32}\.1"$/);
      await c.keystone("PATCH", "/v3/regions/tagged", { region: { description: "x" } });
      const after = (await c.keystone("GET", "/v3/regions/tagged")).headers.get("ETag");
      expect(after).toMatch(/\.2"$/);
      expect((await c.rainbond("GET", "/openapi/v1/regions/tagged")).headers.get("ETag")).toBe(after);
    });

    it("HEAD answers carry the GET's Content-Length and no body", async () => {
      const c = clients(t.app);
      const get = await c.keystone("GET", "/v3/regions");
      const head = await c.keystone("HEAD", "/v3/regions");
      expect(head.status).toBe(200);
      expect(head.headers.get("Content-Length")).toBe(String((await get.arrayBuffer()).byteLength));
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      expect((await c.keystone("HEAD", "/v3/regions/nowhere")).status).toBe(404);
    });

    it("wrong methods on /healthz and /readyz are 405 with Allow; Rainbond answers vary on Authorization", async () => {
      const res = await t.app.request("/healthz", { method: "POST" });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("GET, HEAD");
      const rb = await clients(t.app).rainbond("GET", "/openapi/v1/regions");
      expect(rb.headers.get("Vary")).toBe("Authorization");
    });
  });
}

const { AKSKSigner } = createRequire(import.meta.url)("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: { sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

for (const backend of backends) {
  describe.skipIf(!backend.available)(`bodies (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());

    it("an AK/SK-signed write is verified over its body, and the same signature cannot carry another body", async () => {
      const key = await createCredential(t, { type: "access_key", role: "admin" });
      const credential = { getAk: () => key.access as string, getSk: () => key.secret as string };
      const data = { region: { id: "signed-write", description: "by an access key" } };
      const headers = AKSKSigner.sign(
        {
          method: "POST",
          endpoint: "http://gw.test/v3/regions",
          headers: { "Content-Type": "application/json" },
          queryParams: {},
          data,
        },
        credential,
      );
      const send = (body: string, extra: Record<string, string> = {}) =>
        t.app.request("http://gw.test/v3/regions", { method: "POST", headers: { ...headers, ...extra }, body });
      const ok = await send(JSON.stringify(data));
      expect(ok.status).toBe(201);
      const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex");
      const swapped = await send(JSON.stringify({ region: { id: "evil" } }), { "X-Sdk-Content-Sha256": hash });
      expect(swapped.status).toBe(401);
      expect(t.catalog.get("evil")).toBeUndefined();
    });

    it("a body that is not valid UTF-8 is a 400, nothing stored", async () => {
      const bytes = Buffer.concat([Buffer.from('{"region":{"id":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('utf"}}')]);
      const res = await t.app.request("http://gw.test/v3/regions", {
        method: "POST",
        headers: { "X-Auth-Token": adminToken, "Content-Type": "application/json" },
        body: bytes,
      });
      expect(res.status).toBe(400);
      expect(t.catalog.list().map((r) => r.name)).toEqual(["signed-write"]);
    });

    it("a repeated query parameter counts by its last value (Django's QueryDict)", async () => {
      const c = clients(t.app);
      for (const id of ["q-1", "q-2"]) await c.keystone("POST", "/v3/regions", { region: { id } });
      const page = (await (await c.rainbond("GET", "/openapi/v2/manage/regions?pageSize=0&pageSize=1&current=1")).json()) as {
        total: number;
        data: unknown[];
      };
      expect(page.total).toBe(3);
      expect(page.data).toHaveLength(1);
    });
  });
}
