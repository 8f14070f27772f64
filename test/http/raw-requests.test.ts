import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeServer } from "../../src/http/node-server.ts";
import { backends } from "../support/backends.ts";
import { openTestApp, type TestApp } from "../support/test-app.ts";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client library fixes them up) and reads one HTTP answer. */
function exchange(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    const parse = (final: boolean) => {
      const text = data.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) return final ? reject(new Error(`no answer: ${JSON.stringify(text)}`)) : undefined;
      const [start = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      const length = Number(headers["content-length"] ?? 0);
      const bodyBytes = data.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
      const head = request.startsWith("HEAD ");
      if (!final && !head && bodyBytes.length < length) return;
      socket.destroy();
      resolve({ status: Number(start.split(" ")[1]), headers, body: head ? "" : bodyBytes.toString("utf8") });
    };
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      parse(false);
    });
    socket.on("end", () => parse(true));
    socket.on("error", reject);
    socket.write(request, "latin1");
  });
}

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

describe("requests the HTTP adapter cannot turn into a URL, over a real socket", () => {
  let t: TestApp;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await openTestApp(pglite);
    server = createNodeServer({ fetch: async (req, env) => t.app.fetch(req, env), hostname: "127.0.0.1" });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await t?.close();
  });

  const get = (target: string, host: string | null, method = "GET") =>
    exchange(port, `${method} ${target} HTTP/1.1\r\n${host === null ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);

  const expectJsonError = (res: RawAnswer, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["x-request-id"]).toMatch(/^req-/);
    expect(res.headers["cache-control"]).toBe("no-store");
  };

  it("a Host that is not a host, a backslash in the path, `*` or no Host: a Keystone-shaped 400", async () => {
    const cases: Array<[string, string | null]> = [
      ["/v3/regions", "a b"],
      ["/v3/regions", "[::1"],
      ["/v3/regions", "a/b"],
      ["/v3/regions", "user@evil"],
      ["/v3/regions", "x:99999"],
      ["/v3/regions", null],
      ["/v3\\x", "gw.test"],
      ["*", "gw.test"],
    ];
    for (const [target, host] of cases) {
      const res = await get(target, host);
      expectJsonError(res, 400);
      expect(res.headers["x-openstack-request-id"]).toBe(res.headers["x-request-id"]);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 400, title: "Bad Request", message: expect.any(String) } });
    }
  });

  it("under /openapi the 400 is in the Rainbond shape", async () => {
    for (const [target, host] of [
      ["/openapi/v1/regions", "a b"],
      ["/openapi/v2/manage/regions", "user@evil"],
      ["http://x:99999/openapi/v1/regions", "gw.test"],
    ]) {
      const res = await get(target as string, host as string);
      expectJsonError(res, 400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 400, msg: expect.any(String), msg_show: expect.any(String) });
    }
  });

  it("a HEAD that cannot be parsed gets the headers of the 400 and no body", async () => {
    const res = await get("/v3/regions", "a b", "HEAD");
    expectJsonError(res, 400);
    expect(Number(res.headers["content-length"])).toBeGreaterThan(0);
  });

  it("what Node itself cannot parse: JSON 400 or 431 with the usual headers", async () => {
    const badHeader = await exchange(port, "GET /v3 HTTP/1.1\r\nHost: gw.test\r\nBad Header: x\r\n\r\n");
    expectJsonError(badHeader, 400);
    expect(JSON.parse(badHeader.body)).toMatchObject({ error: { code: 400, title: "Bad Request" } });
    const rainbond = await exchange(port, "GET /openapi/v1/regions HTTP/1.1\r\nHost: gw.test\r\nBad Header: x\r\n\r\n");
    expectJsonError(rainbond, 400);
    expect(JSON.parse(rainbond.body)).toMatchObject({ code: 400, msg_show: expect.any(String) });
    const huge = await exchange(port, `GET /v3 HTTP/1.1\r\nHost: gw.test\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expectJsonError(huge, 431);
    expect(JSON.parse(huge.body)).toMatchObject({ error: { code: 431, title: "Request Header Fields Too Large" } });
  });

  it("CONNECT gets a JSON 405 instead of a closed connection", async () => {
    const res = await exchange(port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expectJsonError(res, 405);
    expect(res.headers.allow).toBeDefined();
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 405, title: "Method Not Allowed" } });
  });

  it("an ordinary request on the same server is still answered", async () => {
    const res = await get("/healthz", "gw.test");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok" });
  });
});
