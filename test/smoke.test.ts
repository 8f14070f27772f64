import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "./support/backends.ts";
import { clients, openTestApp, type TestApp } from "./support/test-app.ts";

for (const backend of backends) {
  describe.skipIf(!backend.available)(`cross-dialect smoke (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());

    it("a region created through /v3 shows in Rainbond with empty endpoints and status 0", async () => {
      const c = clients(t.app);
      const res = await c.keystone("POST", "/v3/regions", { region: { id: "cn-north-1", description: "China North 1" } });
      expect(res.status).toBe(201);
      const list = await (await c.rainbond("GET", "/openapi/v1/regions")).json();
      expect(list).toEqual([
        expect.objectContaining({ region_name: "cn-north-1", url: "", wsurl: "", status: "0", desc: "China North 1" }),
      ]);
    });
  });
}
