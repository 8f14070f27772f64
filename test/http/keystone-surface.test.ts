import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

type List = { regions: { id: string; parent_region_id: string | null }[]; links: Record<string, unknown> };

/** What Keystone 22 and tempest's identity region tests expect of the collection, beyond the captures. */
for (const backend of backends) {
  describe.skipIf(!backend.available)(`/v3/regions against Keystone 22 and tempest (${backend.name})`, () => {
    let t: TestApp;
    let ks: ReturnType<typeof clients>["keystone"];
    let reader: string;
    const ids = async (query: string, token?: string) =>
      ((await (await ks("GET", `/v3/regions${query}`, undefined, token)).json()) as List).regions.map((r) => r.id);
    beforeAll(async () => {
      t = await openTestApp(backend);
      ks = clients(t.app).keystone;
      for (const [id, parent, type] of [
        ["cn-north", null, "public"],
        ["cn-north-1", "cn-north", "public"],
        ["CN-South", null, "public"],
        ["cn-south-1", "CN-South", "public"],
        ["hidden", null, "private"],
        ["under-hidden", "hidden", "public"],
      ]) {
        const res = await ks("POST", "/v3/regions", { region: { id, parent_region_id: parent, type } });
        expect(res.status).toBe(201);
      }
      reader = (await createCredential(t, { type: "token", role: "reader" })).token as string;
    });
    afterAll(() => t?.close());

    it("HEAD on the collection honours the filters: 200, no body, the filtered GET's length", async () => {
      for (const query of ["?parent_region_id=cn-north", "?parent_region_id=nobody", "?parent_region_id__startswith=cn"]) {
        const get = await ks("GET", `/v3/regions${query}`);
        const head = await ks("HEAD", `/v3/regions${query}`);
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
        expect(head.headers.get("Content-Length")).toBe(String((await get.arrayBuffer()).byteLength));
        expect(head.headers.get("Content-Type")).toMatch(/^application\/json/);
      }
      const all = await ks("HEAD", "/v3/regions");
      const filtered = await ks("HEAD", "/v3/regions?parent_region_id=cn-north");
      expect(all.headers.get("Content-Length")).not.toBe(filtered.headers.get("Content-Length"));
    });

    it("parent_region_id of an unknown region: 200 and an empty list (Keystone 22: a filter, not a lookup)", async () => {
      const res = await ks("GET", "/v3/regions?parent_region_id=nobody");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        regions: [],
        links: { self: "http://gw.test/v3/regions?parent_region_id=nobody", previous: null, next: null },
      });
    });

    it("a parent the caller cannot see filters like an unknown one: its children are not revealed", async () => {
      expect(await ids("?parent_region_id=hidden")).toEqual(["under-hidden"]);
      expect(await ids("?parent_region_id=hidden", reader)).toEqual([]);
      expect(await ids("?parent_region_id__contains=hid", reader)).toEqual([]);
    });

    it("Keystone's inexact filters on parent_region_id (__contains, __startswith, __endswith and their i… forms)", async () => {
      expect(await ids("?parent_region_id__startswith=cn")).toEqual(["cn-north-1"]);
      expect(await ids("?parent_region_id__istartswith=cn")).toEqual(["cn-north-1", "cn-south-1"]);
      expect(await ids("?parent_region_id__contains=South")).toEqual(["cn-south-1"]);
      expect(await ids("?parent_region_id__icontains=south")).toEqual(["cn-south-1"]);
      expect(await ids("?parent_region_id__endswith=north")).toEqual(["cn-north-1"]);
      expect(await ids("?parent_region_id__iendswith=SOUTH")).toEqual(["cn-south-1"]);
      // combined with the exact filter (both hold); an unknown comparator is ignored, as Keystone 22 ignores unknown parameters
      expect(await ids("?parent_region_id=cn-north&parent_region_id__icontains=SOUTH")).toEqual([]);
      expect((await ids("?parent_region_id__sounds_like=x")).length).toBe(6);
    });

    it("tempest: the object create returns equals the list entry; after delete, show is a 404 with Keystone's text", async () => {
      const created = (await (
        await ks("PUT", "/v3/regions/tempest-1", { region: { description: "d", parent_region_id: "cn-north" } })
      ).json()) as {
        region: unknown;
      };
      const listed = ((await (await ks("GET", "/v3/regions")).json()) as { regions: unknown[] }).regions;
      expect(listed).toContainEqual(created.region);
      expect((await ks("DELETE", "/v3/regions/tempest-1")).status).toBe(204);
      const gone = await ks("GET", "/v3/regions/tempest-1");
      expect(gone.status).toBe(404);
      expect(await gone.json()).toEqual({
        error: { code: 404, title: "Not Found", message: "Could not find region: tempest-1." },
      });
    });
  });
}
