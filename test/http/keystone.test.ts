import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { type Capture, capture, captureBase } from "../support/keystone-captures.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";

type Json = Record<string, unknown>;
type RegionJson = Json & { id: string; links: { self: string } };

/** Keys the gateway adds to Keystone's region object by design (Huawei's model). */
function withoutHuaweiKeys(r: Json): Json {
  const { type: _type, locales: _locales, ...rest } = r;
  return rest;
}

/** A region or list body with `type` and `locales` taken out of every region. */
function keystoneView(body: unknown): unknown {
  const b = body as { region?: Json; regions?: Json[] };
  if (b.region) return { ...b, region: withoutHuaweiKeys(b.region) };
  if (b.regions) return { ...b, regions: b.regions.map(withoutHuaweiKeys) };
  return body;
}

const firstLine = (body: unknown) => {
  const e = (body as { error: { code: number; title: string; message: string } }).error;
  return { ...e, message: e.message.split("\n")[0] };
};

/** The id Keystone generated in capture 10; the gateway generates its own. */
const keystoneGeneratedId = "9158de421d8243479615d66fa414d44a";

/**
 * Each step sends the captured request as it was sent to Keystone 22 and compares what the
 * gateway answers with what Keystone answered.
 * - exact: the same status and the same JSON body
 * - keystone: the same, once `type` and `locales` (added by design) are taken out
 * - first-line: same status, code and title; the message up to Keystone's jsonschema dump
 * - status: the same status and an empty body
 */
type Compare = "exact" | "keystone" | "first-line" | "status";
const replay: { n: number; compare: Compare }[] = [
  { n: 7, compare: "keystone" },
  { n: 8, compare: "keystone" },
  { n: 9, compare: "keystone" },
  { n: 10, compare: "keystone" },
  { n: 11, compare: "keystone" },
  { n: 12, compare: "keystone" },
  { n: 13, compare: "keystone" },
  { n: 14, compare: "keystone" },
  { n: 15, compare: "keystone" },
  { n: 16, compare: "exact" },
  { n: 18, compare: "exact" },
  { n: 19, compare: "exact" },
  { n: 20, compare: "exact" },
  { n: 22, compare: "status" },
  { n: 23, compare: "status" },
  { n: 24, compare: "keystone" },
  { n: 25, compare: "exact" },
  { n: 26, compare: "first-line" },
  { n: 27, compare: "exact" },
  { n: 28, compare: "first-line" },
  { n: 29, compare: "first-line" },
  { n: 30, compare: "exact" },
  { n: 31, compare: "exact" },
  { n: 32, compare: "exact" },
  { n: 34, compare: "exact" },
  { n: 40, compare: "exact" },
  { n: 41, compare: "exact" },
  { n: 42, compare: "keystone" },
  { n: 43, compare: "exact" },
  { n: 44, compare: "exact" },
  { n: 45, compare: "exact" },
  { n: 46, compare: "keystone" },
  { n: 47, compare: "keystone" },
  { n: 48, compare: "exact" },
  { n: 51, compare: "status" },
  { n: 52, compare: "exact" },
  { n: 54, compare: "status" },
  { n: 55, compare: "exact" },
  { n: 56, compare: "keystone" },
];

/** The captured request, sent to the gateway: same method, path, Content-Type and body; our admin token. */
async function send(t: TestApp, c: Capture): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.request.headers["x-auth-token"] !== undefined) {
    headers["X-Auth-Token"] = c.request.headers["x-auth-token"] === "<token>" ? adminToken : c.request.headers["x-auth-token"];
  }
  if (c.request.headers["content-type"]) headers["Content-Type"] = c.request.headers["content-type"];
  const hasBody = c.request.text !== "" && c.request.method !== "GET" && c.request.method !== "HEAD";
  return t.app.request(`${captureBase}${c.request.path}`, {
    method: c.request.method,
    headers,
    ...(hasBody ? { body: c.request.text } : {}),
  });
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`Keystone 22 captures replayed against the gateway (${backend.name})`, () => {
    let t: TestApp;
    let generatedId = "";
    beforeAll(async () => {
      // PUBLIC_URL = Keystone's address in the captures, so links compare as they are
      t = await openTestApp(backend, { publicUrl: captureBase });
      // Keystone's RegionOne existed before the captures started
      const res = await clients(t.app).keystone("POST", "/v3/regions", { region: { id: "RegionOne" } });
      expect(res.status).toBe(201);
    });
    afterAll(() => t?.close());

    it.each(replay)("capture $n ($compare)", async ({ n, compare }) => {
      const c = capture(n);
      const want = c.response;
      if (!want) throw new Error(`capture ${n} has no response`);
      const res = await send(t, c);
      expect(res.status, c.file).toBe(want.status);
      expect(res.headers.get("Vary")).toBe("X-Auth-Token");
      if (want.headers["www-authenticate"]) expect(res.headers.get("WWW-Authenticate")).toBe(want.headers["www-authenticate"]);
      else expect(res.headers.get("WWW-Authenticate")).toBeNull();

      const text = await res.text();
      if (compare === "status") {
        expect(text).toBe("");
        if (c.request.method === "HEAD") expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
        return;
      }
      expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
      const body = JSON.parse(text) as Json;
      if (n === 10) {
        generatedId = (body.region as RegionJson).id;
        expect(generatedId).toMatch(/^[0-9a-f]{32}$/);
      }
      const expected = JSON.parse(want.text.replaceAll(keystoneGeneratedId, generatedId || keystoneGeneratedId)) as Json;
      if (compare === "exact") expect(body).toEqual(expected);
      else if (compare === "keystone") expect(keystoneView(body)).toEqual(expected);
      else expect(firstLine(body)).toEqual(firstLine(expected));
    });

    it("capture 17 (deliberate deviation): ?name=x finds no region instead of listing them all", async () => {
      const res = await send(t, capture(17));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        regions: [],
        links: { self: `${captureBase}/v3/regions?name=x`, previous: null, next: null },
      });
    });
  });

  describe.skipIf(!backend.available)(`Keystone /v3/regions routes (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    const base = "http://gw.test";
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
    });
    afterAll(() => t?.close());

    const create = async (region: Json) => {
      const res = await c.keystone("POST", "/v3/regions", { region });
      expect(res.status).toBe(201);
      return ((await res.json()) as { region: RegionJson }).region;
    };
    const show = async (id: string) => c.keystone("GET", `/v3/regions/${encodeURIComponent(id)}`);
    const list = async (query = "") => {
      const res = await c.keystone("GET", `/v3/regions${query}`);
      expect(res.status).toBe(200);
      return (await res.json()) as { regions: RegionJson[]; links: Json };
    };

    describe("discovery", () => {
      it("GET /v3 is Keystone's version document, without a token (capture 02)", async () => {
        const res = await c.keystone("GET", "/v3", undefined, null);
        expect(res.status).toBe(200);
        expect(res.headers.get("Vary")).toBe("X-Auth-Token");
        const want = JSON.parse(capture(2).response?.text.replaceAll(captureBase, base) ?? "") as unknown;
        expect(await res.json()).toEqual(want);
      });

      it("GET /v3/ (trailing slash) is the same document", async () => {
        const res = await c.keystone("GET", "/v3/", undefined, null);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { version: { id: string } }).version.id).toBe("v3.14");
      });

      it("GET / is 300 Multiple Choices with the versions and a Location (capture 01)", async () => {
        const res = await c.keystone("GET", "/", undefined, null);
        expect(res.status).toBe(300);
        expect(res.headers.get("Location")).toBe(`${base}/v3/`);
        expect(res.headers.get("Vary")).toBe("X-Auth-Token");
        const want = JSON.parse(capture(1).response?.text.replaceAll(captureBase, base) ?? "") as unknown;
        expect(await res.json()).toEqual(want);
      });

      it("PUBLIC_URL is used for every link (version document, Location, regions, list self)", async () => {
        const pub = await openTestApp(backend, { publicUrl: "https://iam.example.com/identity" });
        try {
          const pc = clients(pub.app);
          const root = await pc.keystone("GET", "/", undefined, null);
          expect(root.headers.get("Location")).toBe("https://iam.example.com/identity/v3/");
          const v3 = (await (await pc.keystone("GET", "/v3", undefined, null)).json()) as {
            version: { links: { href: string }[] };
          };
          expect(v3.version.links).toEqual([{ rel: "self", href: "https://iam.example.com/identity/v3/" }]);
          const created = (await (await pc.keystone("POST", "/v3/regions", { region: { id: "pub-1" } })).json()) as {
            region: RegionJson;
          };
          expect(created.region.links.self).toBe("https://iam.example.com/identity/v3/regions/pub-1");
          const shown = (await (await pc.keystone("GET", "/v3/regions/pub-1")).json()) as { region: RegionJson };
          expect(shown.region.links.self).toBe("https://iam.example.com/identity/v3/regions/pub-1");
          const l = (await (await pc.keystone("GET", "/v3/regions?parent_region_id=x")).json()) as { links: Json };
          expect(l.links).toEqual({
            self: "https://iam.example.com/identity/v3/regions?parent_region_id=x",
            previous: null,
            next: null,
          });
          const e = await pc.keystone("GET", "/v3/regions", undefined, null);
          expect(e.headers.get("WWW-Authenticate")).toBe('Keystone uri="https://iam.example.com/identity/v3"');
        } finally {
          await pub.close();
        }
      });
    });

    describe("POST /v3/regions", () => {
      it("with an id: 201 and the region, every key Keystone and Huawei clients read", async () => {
        const res = await c.keystone("POST", "/v3/regions", { region: { id: "post-1", description: "first" } });
        expect(res.status).toBe(201);
        expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
        expect(await res.json()).toEqual({
          region: {
            id: "post-1",
            description: "first",
            parent_region_id: null,
            type: "public",
            locales: { "zh-cn": "post-1", "en-us": "post-1" },
            links: { self: `${base}/v3/regions/post-1` },
          },
        });
      });

      it.each([
        { label: "without id", region: { description: "no id" } },
        { label: "with id ''", region: { id: "", description: "empty id" } },
        { label: "with an empty region", region: {} },
      ])("$label: the id is generated, 32 lowercase hex, and the region can be shown by it", async ({ region }) => {
        const created = await create(region);
        expect(created.id).toMatch(/^[0-9a-f]{32}$/);
        expect(created.links.self).toBe(`${base}/v3/regions/${created.id}`);
        const res = await show(created.id);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { region: unknown }).region).toEqual(created);
      });

      it("two creates without id get different ids", async () => {
        const a = await create({});
        const b = await create({});
        expect(a.id).not.toBe(b.id);
      });

      it.each([
        { label: "absent", region: { id: "desc-absent" } },
        { label: "null", region: { id: "desc-null", description: null } },
      ])('description $label → ""', async ({ region }) => {
        const created = await create(region);
        expect(created.description).toBe("");
        expect(Object.keys(created)).toContain("parent_region_id");
        expect(created.parent_region_id).toBeNull();
      });

      it("two regions may share a description", async () => {
        await create({ id: "same-desc-1", description: "same" });
        await create({ id: "same-desc-2", description: "same" });
      });

      it("extra properties are kept, echoed, shown and listed (capture 11; the openstack CLI sends enabled)", async () => {
        const region = {
          id: "extra-1",
          description: "EU",
          enabled: true,
          foo: "bar",
          nested: { a: [1, null, "x"] },
          nothing: null,
        };
        const created = await create(region);
        expect(created).toMatchObject({ enabled: true, foo: "bar", nested: { a: [1, null, "x"] }, nothing: null });
        const shown = (await (await show("extra-1")).json()) as { region: RegionJson };
        expect(shown.region).toEqual(created);
      });

      it("type and locales are Huawei fields, stored and returned", async () => {
        const created = await create({
          id: "hw-1",
          type: "public",
          locales: { "zh-cn": "中国-香港", "en-us": "ap-southeast-1", "pt-br": "x" },
        });
        expect(created.type).toBe("public");
        expect(created.locales).toEqual({ "zh-cn": "中国-香港", "en-us": "ap-southeast-1", "pt-br": "x" });
      });

      it("with a parent: the child shows its parent", async () => {
        await create({ id: "post-parent" });
        const child = await create({ id: "post-child", parent_region_id: "post-parent" });
        expect(child.parent_region_id).toBe("post-parent");
      });

      it("the object create returns equals the list entry and the show, key for key (tempest compares dicts)", async () => {
        await create({ id: "dict-parent" });
        const created = await create({
          id: "dict-eq",
          description: "d",
          parent_region_id: "dict-parent",
          enabled: true,
          foo: { bar: [1, 2] },
          locales: { "en-us": "E" },
        });
        const listed = (await list()).regions.find((r) => r.id === "dict-eq");
        expect(listed).toEqual(created);
        expect(Object.keys(listed ?? {}).sort()).toEqual(Object.keys(created).sort());
        expect(((await (await show("dict-eq")).json()) as { region: unknown }).region).toEqual(created);
      });

      it("accepts a body without Content-Type (Keystone does) and Huawei's application/json;charset=utf8", async () => {
        const noType = await t.app.request(`${base}/v3/regions`, {
          method: "POST",
          headers: { "X-Auth-Token": adminToken },
          // bytes, not a string: fetch would label a string body text/plain
          body: new TextEncoder().encode(JSON.stringify({ region: { id: "no-content-type" } })),
        });
        expect(noType.status).toBe(201);
        expect(((await noType.json()) as { region: RegionJson }).region.id).toBe("no-content-type");
        const huawei = await t.app.request(`${base}/v3/regions`, {
          method: "POST",
          headers: { "X-Auth-Token": adminToken, "Content-Type": "application/json;charset=utf8" },
          body: JSON.stringify({ region: { id: "huawei-content-type" } }),
        });
        expect(huawei.status).toBe(201);
      });

      it("an id with spaces and unicode is kept and can be shown through its URL-encoded path", async () => {
        const created = await create({ id: "中国 香港:1" });
        expect(created.id).toBe("中国 香港:1");
        const res = await show("中国 香港:1");
        expect(res.status).toBe(200);
        expect(((await res.json()) as { region: RegionJson }).region.id).toBe("中国 香港:1");
      });
    });

    describe("PUT /v3/regions/{id}", () => {
      it("creates with the id from the URL: 201 (tempest create_region_with_specific_id)", async () => {
        const res = await c.keystone("PUT", "/v3/regions/put-1", { region: { description: "via PUT" } });
        expect(res.status).toBe(201);
        const body = (await res.json()) as { region: RegionJson };
        expect(body.region).toMatchObject({ id: "put-1", description: "via PUT", parent_region_id: null });
        expect(((await (await show("put-1")).json()) as { region: unknown }).region).toEqual(body.region);
      });

      it("a matching id in the body is fine; a UUID id is kept as given", async () => {
        const id = "6c6b4ba4-5e4f-4c93-8c1d-1a1c1f0f8a11";
        const res = await c.keystone("PUT", `/v3/regions/${id}`, { region: { id, description: "uuid" } });
        expect(res.status).toBe(201);
        expect(((await res.json()) as { region: RegionJson }).region.id).toBe(id);
      });

      it("with a parent and extras", async () => {
        await create({ id: "put-parent" });
        const res = await c.keystone("PUT", "/v3/regions/put-child", { region: { parent_region_id: "put-parent", foo: 1 } });
        expect(res.status).toBe(201);
        expect(((await res.json()) as { region: RegionJson }).region).toMatchObject({ parent_region_id: "put-parent", foo: 1 });
      });

      it("a different id in the body: 400 with Keystone's exact message (capture 40)", async () => {
        const res = await c.keystone("PUT", "/v3/regions/put-id", { region: { id: "other-id" } });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(capture(40).response?.json);
        expect((await show("put-id")).status).toBe(404);
      });

      it("an existing id: 409 with Keystone's exact message (capture 41)", async () => {
        await create({ id: "cn-north-1", description: "original" });
        const res = await c.keystone("PUT", "/v3/regions/cn-north-1", { region: { description: "again" } });
        expect(res.status).toBe(409);
        expect(await res.json()).toEqual(capture(41).response?.json);
        const kept = (await (await show("cn-north-1")).json()) as { region: RegionJson };
        expect(kept.region.description).toBe("original");
      });
    });

    describe("GET|HEAD /v3/regions", () => {
      beforeAll(async () => {
        await create({ id: "lp", description: "list parent" });
        await create({ id: "lc1", parent_region_id: "lp" });
        await create({ id: "lc2", parent_region_id: "lp" });
        await create({ id: "lg1", parent_region_id: "lc1" });
      });

      it("lists every region with links self, previous and next (present, null)", async () => {
        const body = await list();
        expect(body.links).toEqual({ self: `${base}/v3/regions`, previous: null, next: null });
        expect(body.regions.map((r) => r.id)).toEqual(expect.arrayContaining(["lp", "lc1", "lc2", "lg1"]));
        for (const r of body.regions) {
          expect(Object.keys(r)).toEqual(
            expect.arrayContaining(["id", "description", "parent_region_id", "type", "locales", "links"]),
          );
          expect(r.links.self).toBe(`${base}/v3/regions/${r.id}`);
        }
        expect(Object.keys(body).sort()).toEqual(["links", "regions"]);
      });

      it("?parent_region_id= gives the direct children only, and self echoes the query", async () => {
        const body = await list("?parent_region_id=lp");
        expect(body.regions.map((r) => r.id).sort()).toEqual(["lc1", "lc2"]);
        for (const r of body.regions) expect(r.parent_region_id).toBe("lp");
        expect(body.links).toEqual({ self: `${base}/v3/regions?parent_region_id=lp`, previous: null, next: null });
      });

      it("?parent_region_id= of nothing gives an empty list", async () => {
        expect((await list("?parent_region_id=nobody")).regions).toEqual([]);
      });

      it("?name= filters by id (the openstack CLI's fallback after a failed show)", async () => {
        expect((await list("?name=lc2")).regions.map((r) => r.id)).toEqual(["lc2"]);
        expect((await list("?name=does-not-exist")).regions).toEqual([]);
      });

      it("?name= and ?parent_region_id= combine", async () => {
        expect((await list("?parent_region_id=lp&name=lc1")).regions.map((r) => r.id)).toEqual(["lc1"]);
        expect((await list("?parent_region_id=lp&name=lg1")).regions).toEqual([]);
      });

      it("unknown query parameters are ignored, as Keystone 22 does, and still echoed in self", async () => {
        const all = await list();
        const body = await list("?limit=1&marker=lp&foo=bar");
        expect(body.regions).toEqual(all.regions);
        expect(body.links.self).toBe(`${base}/v3/regions?limit=1&marker=lp&foo=bar`);
      });

      it("the query is echoed as sent, percent-encoding included", async () => {
        const body = await list("?parent_region_id=a%20b%2Fc");
        expect(body.links.self).toBe(`${base}/v3/regions?parent_region_id=a%20b%2Fc`);
      });

      it("/v3/regions/ (trailing slash) lists too, and self is the collection URL (capture 24)", async () => {
        const res = await c.keystone("GET", "/v3/regions/");
        expect(res.status).toBe(200);
        const body = (await res.json()) as { regions: unknown[]; links: Json };
        expect(body.regions).toEqual((await list()).regions);
        expect(body.links.self).toBe(`${base}/v3/regions`);
      });

      it("HEAD answers 200 with no body", async () => {
        const res = await c.keystone("HEAD", "/v3/regions");
        expect(res.status).toBe(200);
        expect(res.headers.get("Vary")).toBe("X-Auth-Token");
        expect(await res.text()).toBe("");
      });
    });

    describe("GET|HEAD /v3/regions/{id}", () => {
      it("shows a region", async () => {
        await create({ id: "show-1", description: "s" });
        const res = await show("show-1");
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          region: {
            id: "show-1",
            description: "s",
            parent_region_id: null,
            type: "public",
            locales: { "zh-cn": "show-1", "en-us": "show-1" },
            links: { self: `${base}/v3/regions/show-1` },
          },
        });
      });

      it("404 with Keystone's message for an unknown id (capture 18)", async () => {
        const res = await show("does-not-exist");
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual(capture(18).response?.json);
      });

      it("HEAD: 200 with no body; 404 with no body", async () => {
        await create({ id: "head-1" });
        const ok = await c.keystone("HEAD", "/v3/regions/head-1");
        expect(ok.status).toBe(200);
        expect(await ok.text()).toBe("");
        const missing = await c.keystone("HEAD", "/v3/regions/head-missing");
        expect(missing.status).toBe(404);
        expect(await missing.text()).toBe("");
      });
    });

    describe("PATCH /v3/regions/{id}", () => {
      const patch = (id: string, region: unknown) => c.keystone("PATCH", `/v3/regions/${id}`, { region });

      it("changes the description: 200 and the region (capture 42)", async () => {
        await create({ id: "pa-1", description: "before" });
        const res = await patch("pa-1", { description: "after" });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { region: RegionJson };
        expect(body.region).toMatchObject({ id: "pa-1", description: "after", parent_region_id: null });
        expect(((await (await show("pa-1")).json()) as { region: unknown }).region).toEqual(body.region);
      });

      it("changes description and parent together (tempest create_update_get_delete_region)", async () => {
        await create({ id: "pa-p1" });
        await create({ id: "pa-p2" });
        await create({ id: "pa-2", description: "d1", parent_region_id: "pa-p1" });
        const res = await patch("pa-2", { description: "d2", parent_region_id: "pa-p2" });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { region: RegionJson }).region).toMatchObject({
          description: "d2",
          parent_region_id: "pa-p2",
        });
      });

      it("a parent change alone keeps the description", async () => {
        await create({ id: "pa-keep-parent" });
        await create({ id: "pa-keep", description: "keep me" });
        const res = await patch("pa-keep", { parent_region_id: "pa-keep-parent" });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { region: RegionJson }).region).toMatchObject({
          description: "keep me",
          parent_region_id: "pa-keep-parent",
        });
      });

      it('description null stores ""', async () => {
        await create({ id: "pa-null", description: "x" });
        const res = await patch("pa-null", { description: null });
        expect(((await res.json()) as { region: RegionJson }).region.description).toBe("");
      });

      it("parent null unparents (capture 47)", async () => {
        await create({ id: "pa-up" });
        await create({ id: "pa-down", parent_region_id: "pa-up" });
        const res = await patch("pa-down", { parent_region_id: null });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { region: RegionJson }).region.parent_region_id).toBeNull();
        expect((await list("?parent_region_id=pa-up")).regions).toEqual([]);
      });

      it("extras merge with the stored ones and show in the list", async () => {
        await create({ id: "pa-extra", a: 1, b: "old" });
        const res = await patch("pa-extra", { b: "new", c: true });
        const region = ((await res.json()) as { region: RegionJson }).region;
        expect(region).toMatchObject({ a: 1, b: "new", c: true });
        expect((await list("?name=pa-extra")).regions[0]).toEqual(region);
      });

      it("the same id in the body is accepted", async () => {
        await create({ id: "pa-same" });
        expect((await patch("pa-same", { id: "pa-same", description: "x" })).status).toBe(200);
      });

      it('{"region":{}} is 400 (Keystone\'s minProperties: 1; openstack region set with no options)', async () => {
        await create({ id: "pa-empty", description: "unchanged" });
        const res = await patch("pa-empty", {});
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: number; title: string; message: string } };
        expect(body.error.code).toBe(400);
        expect(body.error.title).toBe("Bad Request");
        expect(body.error.message).toMatch(/region/);
        expect(((await (await show("pa-empty")).json()) as { region: RegionJson }).region.description).toBe("unchanged");
      });

      it("a loop is 400 with Keystone's message naming the patched region (capture 43)", async () => {
        await create({ id: "cy-1" });
        await create({ id: "cy-2", parent_region_id: "cy-1" });
        await create({ id: "cy-3", parent_region_id: "cy-2" });
        const res = await patch("cy-1", { parent_region_id: "cy-3" });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          error: {
            code: 400,
            title: "Bad Request",
            message: "The specified parent region cy-1 would create a circular region hierarchy.",
          },
        });
        expect(((await (await show("cy-1")).json()) as { region: RegionJson }).region.parent_region_id).toBeNull();
      });

      it("a direct loop (parent = own child) is 400", async () => {
        await create({ id: "cy-a" });
        await create({ id: "cy-b", parent_region_id: "cy-a" });
        const res = await patch("cy-a", { parent_region_id: "cy-b" });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
          "The specified parent region cy-a would create a circular region hierarchy.",
        );
      });

      it("self-parent is 400 (capture 44)", async () => {
        await create({ id: "cn-self" });
        const res = await patch("cn-self", { parent_region_id: "cn-self" });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(JSON.parse(capture(44).response?.text.replaceAll("cn-north-1", "cn-self") ?? ""));
      });

      it("an unknown parent is 404 naming the parent, and changes nothing", async () => {
        await create({ id: "pa-orphan", description: "d" });
        const res = await patch("pa-orphan", { parent_region_id: "nope", description: "changed" });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: { code: 404, title: "Not Found", message: "Could not find region: nope." } });
        expect(((await (await show("pa-orphan")).json()) as { region: RegionJson }).region.description).toBe("d");
      });

      it('an id change is 400 "Cannot change ID" (capture 45)', async () => {
        await create({ id: "pa-id" });
        const res = await patch("pa-id", { id: "renamed" });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(capture(45).response?.json);
        expect((await show("renamed")).status).toBe(404);
      });

      it('an id change on an unknown region is still 400 "Cannot change ID" (Keystone checks it before the lookup)', async () => {
        const res = await patch("does-not-exist", { id: "renamed" });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(capture(45).response?.json);
      });

      it.each(["a/b", "p".repeat(256)])(
        "a parent no region can have (%s) is 404 naming it, like any unknown parent",
        async (parent) => {
          const id = `pa-badparent-${parent.length}`;
          await create({ id });
          const res = await patch(id, { parent_region_id: parent });
          expect(res.status).toBe(404);
          expect(await res.json()).toEqual({
            error: { code: 404, title: "Not Found", message: `Could not find region: ${parent}.` },
          });
        },
      );

      it("an unknown region is 404 (capture 48)", async () => {
        const res = await patch("does-not-exist", { description: "x" });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual(capture(48).response?.json);
      });

      it("leaves the Rainbond side of the region (endpoints, certificates, status) untouched", async () => {
        const rb = await c.rainbond("POST", "/openapi/v2/manage/regions", {
          region_name: "pa-rainbond",
          region_alias: "rb",
          url: "https://10.9.0.1:8443",
          wsurl: "wss://10.9.0.1:6060",
          httpdomain: "apps.example.com",
          tcpdomain: "10.9.0.1",
          scope: "public",
          desc: "rb desc",
          ssl_ca_cert: testCertificates().ca,
          cert_file: testCertificates().cert,
          key_file: testCertificates().key,
          token: "TOKEN",
          status: "1",
        });
        expect(rb.status).toBe(201);
        const before = t.catalog.get("pa-rainbond");
        const res = await patch("pa-rainbond", { description: "from keystone" });
        expect(res.status).toBe(200);
        const after = t.catalog.get("pa-rainbond");
        expect(after).toMatchObject({
          description: "from keystone",
          apiUrl: before?.apiUrl,
          wsUrl: before?.wsUrl,
          caCert: before?.caCert,
          clientCert: before?.clientCert,
          clientKey: before?.clientKey,
          regionToken: before?.regionToken,
          status: before?.status,
          alias: before?.alias,
        });
        expect(JSON.stringify(await (await show("pa-rainbond")).json())).not.toMatch(/KEY|TOKEN|10\.9\.0\.1/);
      });
    });

    describe("DELETE /v3/regions/{id}", () => {
      it("204 with no body; then show is 404 and the list no longer has it; again is 404 (captures 51, 52)", async () => {
        await create({ id: "us-east-1" });
        const res = await c.keystone("DELETE", "/v3/regions/us-east-1");
        expect(res.status).toBe(204);
        expect(await res.text()).toBe("");
        expect(res.headers.get("Vary")).toBe("X-Auth-Token");
        expect((await show("us-east-1")).status).toBe(404);
        expect((await list()).regions.map((r) => r.id)).not.toContain("us-east-1");
        const again = await c.keystone("DELETE", "/v3/regions/us-east-1");
        expect(again.status).toBe(404);
        expect(await again.json()).toEqual(capture(52).response?.json);
      });

      it("cascades to the whole subtree, and only to it (captures 54, 55)", async () => {
        await create({ id: "del-root" });
        await create({ id: "del-child", parent_region_id: "del-root" });
        await create({ id: "del-grandchild", parent_region_id: "del-child" });
        await create({ id: "del-sibling" });
        const res = await c.keystone("DELETE", "/v3/regions/del-root");
        expect(res.status).toBe(204);
        for (const id of ["del-root", "del-child", "del-grandchild"]) {
          const gone = await show(id);
          expect(gone.status).toBe(404);
          expect(await gone.json()).toEqual({
            error: { code: 404, title: "Not Found", message: `Could not find region: ${id}.` },
          });
        }
        expect((await show("del-sibling")).status).toBe(200);
        const ids = (await list()).regions.map((r) => r.id);
        expect(ids).not.toContain("del-child");
        expect(ids).toContain("del-sibling");
      });

      it("deleting a child leaves its parent", async () => {
        await create({ id: "del-p" });
        await create({ id: "del-c", parent_region_id: "del-p" });
        expect((await c.keystone("DELETE", "/v3/regions/del-c")).status).toBe(204);
        expect((await show("del-p")).status).toBe(200);
        expect((await list("?parent_region_id=del-p")).regions).toEqual([]);
      });

      it("is seen through Rainbond at once", async () => {
        await create({ id: "del-rb" });
        expect((await c.rainbond("GET", "/openapi/v1/regions/del-rb")).status).toBe(200);
        expect((await c.keystone("DELETE", "/v3/regions/del-rb")).status).toBe(204);
        expect((await c.rainbond("GET", "/openapi/v1/regions/del-rb")).status).toBe(404);
      });
    });
  });
}
