import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";

for (const backend of backends) {
  describe.skipIf(!backend.available)(`health, readiness and an unreachable database (${backend.name})`, () => {
    let t: TestApp;
    let c: ReturnType<typeof clients>;
    beforeAll(async () => {
      t = await openTestApp(backend);
      c = clients(t.app);
      await c.keystone("POST", "/v3/regions", { region: { id: "before-outage" } });
    });
    afterAll(() => t?.close());

    it("answers /healthz and /readyz while the database answers", async () => {
      const health = await t.app.request("/healthz");
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      expect((await t.app.request("/readyz")).status).toBe(200);
    });

    it("answers unknown paths outside both dialects with JSON 404", async () => {
      const res = await t.app.request("/nothing/here");
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await res.json()).toEqual({
        error: { code: 404, title: "Not Found", message: "The resource could not be found." },
      });
    });

    describe("once the database stops answering", () => {
      beforeAll(async () => {
        await t.db.database.close();
      });

      it("/readyz says 503 and /healthz still 200", async () => {
        const ready = await t.app.request("/readyz");
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ error: { code: 503, title: "Service Unavailable" } });
        expect((await t.app.request("/healthz")).status).toBe(200);
      });

      it("writes get 503 in each dialect's shape; reads are still served from the snapshot", async () => {
        const ks = await c.keystone("POST", "/v3/regions", { region: { id: "during-outage" } });
        expect(ks.status).toBe(503);
        expect(await ks.json()).toMatchObject({ error: { code: 503, title: "Service Unavailable" } });
        const rb = await c.rainbond("POST", "/openapi/v2/manage/regions", {
          region_name: "during-outage",
          region_alias: "x",
          url: "https://10.0.0.9:8443",
          wsurl: "wss://10.0.0.9:6060",
          httpdomain: "x.example.com",
          tcpdomain: "10.0.0.9",
        });
        expect(rb.status).toBe(503);
        expect(await rb.json()).toMatchObject({ code: 503, msg: expect.any(String), msg_show: expect.any(String) });
        const read = await c.keystone("GET", "/v3/regions");
        expect(read.status).toBe(200);
        const ids = ((await read.json()) as { regions: { id: string }[] }).regions.map((r) => r.id);
        expect(ids).toEqual(["before-outage"]);
      });
    });
  });
}
