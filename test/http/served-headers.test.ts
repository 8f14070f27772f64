import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeServer } from "../../src/http/node-server.ts";
import { backends } from "../support/backends.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

// Served by Node, the headers every answer carries are written onto Node's response rather than
// built into each Response: the same headers, on every kind of answer, over a real socket.
describe("the headers every answer carries, served over HTTP", () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await openTestApp(pglite, { logger: pino({ level: "info" }, { write: (l: string) => void lines.push(l) }) });
    expect((await clients(t.app).keystone("POST", "/v3/regions", { region: { id: "served" } })).status).toBe(201);
    server = createNodeServer({ fetch: async (req, env) => t.app.fetch(req, env), hostname: "127.0.0.1" });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await t?.close();
  });

  const keystone = { "X-Auth-Token": adminToken };
  const rainbond = { Authorization: adminToken };
  const cases: Array<{ what: string; path: string; method?: string; headers: Record<string, string>; status: number }> = [
    { what: "a cached list", path: "/v3/regions", headers: keystone, status: 200 },
    { what: "its HEAD", path: "/v3/regions", method: "HEAD", headers: keystone, status: 200 },
    { what: "a region", path: "/v3/regions/served", headers: keystone, status: 200 },
    { what: "a missing region", path: "/v3/regions/nowhere", headers: keystone, status: 404 },
    { what: "no credential", path: "/v3/regions", headers: {}, status: 401 },
    { what: "a wrong method", path: "/v3/regions", method: "PATCH", headers: keystone, status: 405 },
    { what: "an unknown path", path: "/nothing/here", headers: {}, status: 404 },
    { what: "the admin API", path: "/admin/v1/credentials", headers: keystone, status: 200 },
    { what: "a Rainbond list", path: "/openapi/v1/regions", headers: rainbond, status: 200 },
    { what: "a Rainbond region", path: "/openapi/v2/manage/regions/nowhere", headers: rainbond, status: 404 },
    { what: "a Rainbond refusal", path: "/openapi/v1/regions", headers: {}, status: 401 },
  ];

  it.each(cases)("$what: request id, no-store and Vary, once each", async ({ path, method, headers, status }) => {
    const before = lines.length;
    const res = await fetch(`${base}${path}`, { method: method ?? "GET", headers });
    expect(res.status).toBe(status);
    const id = res.headers.get("X-Request-Id");
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const rainbondPath = path.startsWith("/openapi");
    expect(res.headers.get("x-openstack-request-id")).toBe(rainbondPath ? null : id);
    expect(res.headers.get("Vary")).toBe(
      rainbondPath ? "Authorization" : path.startsWith("/admin") ? "X-Auth-Token, Authorization" : "X-Auth-Token",
    );
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = await res.arrayBuffer();
    if (method === "HEAD") expect(Number(res.headers.get("Content-Length"))).toBeGreaterThan(0);
    else expect(Number(res.headers.get("Content-Length"))).toBe(body.byteLength);
    // the log line names the same id
    const logged = lines.slice(before).map((l) => JSON.parse(l) as { msg: string; request_id: string; status: number });
    expect(logged.filter((l) => l.msg === "request")).toEqual([expect.objectContaining({ request_id: id, status })]);
  });

  it("a region's ETag, and 304 to If-None-Match with the same headers", async () => {
    for (const path of ["/v3/regions", "/v3/regions/served"]) {
      const first = await fetch(`${base}${path}`, { headers: keystone });
      const etag = first.headers.get("ETag") as string;
      expect(etag).toMatch(/^"/);
      const again = await fetch(`${base}${path}`, { headers: { ...keystone, "If-None-Match": etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get("ETag")).toBe(etag);
      expect(again.headers.get("Cache-Control")).toBe("no-store");
      expect(again.headers.get("X-Request-Id")).not.toBe(first.headers.get("X-Request-Id"));
    }
  });
});
