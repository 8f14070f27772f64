import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/http/metrics.ts";
import { createNodeServer } from "../../src/http/node-server.ts";
import { createReadLane } from "../../src/http/read-lane.ts";
import { backends } from "../support/backends.ts";
import { adminToken, createCredential, manageToken, openTestApp, type TestApp } from "../support/test-app.ts";
import { addBody } from "./rainbond-support.ts";

/**
 * The read lane (src/http/read-lane.ts) answers the hot reads without the app: every answer it
 * gives must be the app's, byte for byte, with the same log line. Each request below goes to a
 * server with the lane and to one without, over real sockets, and the two answers are compared.
 */

interface RawAnswer {
  status: number;
  /** lowercased names, in the order sent */
  headers: [string, string][];
  body: string;
}

/** Sends the bytes as they are and reads one answer (the connection is closed after it). */
function exchange(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
    });
    socket.on("end", () => {
      const text = data.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const [start = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers = lines.map((l): [string, string] => [
        l.slice(0, l.indexOf(":")).toLowerCase(),
        l.slice(l.indexOf(":") + 1).trim(),
      ]);
      resolve({ status: Number(start.split(" ")[1]), headers, body: data.subarray(end + 4).toString("utf8") });
    });
    socket.on("error", reject);
    socket.write(request, "latin1");
  });
}

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];
const varying = new Set(["date", "x-request-id", "x-openstack-request-id", "connection", "keep-alive"]);

describe("the read lane answers exactly as the app does", () => {
  let t: TestApp;
  const logs: Record<string, unknown>[] = [];
  const servers: Server[] = [];
  let withLane = 0;
  let withoutLane = 0;
  let laneAnswered = 0;
  const tokens: Record<string, string> = { admin: adminToken, manage: manageToken };

  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const metrics = createMetrics({ processMetrics: false });
    t = await openTestApp(pglite, { logger, metrics });
    const lane = createReadLane({ catalog: t.catalog, auth: t.auth, logger, metrics });
    const fetch = async (req: Request, env: unknown) => t.app.fetch(req, env);
    withLane = await listen(
      createNodeServer({
        fetch,
        lane: (incoming, outgoing) => {
          const answered = lane(incoming, outgoing);
          if (answered) laneAnswered++;
          return answered;
        },
      }),
    );
    withoutLane = await listen(createNodeServer({ fetch }));
    const add = async (name: string, scope: string, enterprise: string, parent?: string) => {
      const res = await t.app.request("http://gw.test/openapi/v2/manage/regions", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: adminToken },
        body: JSON.stringify(addBody(name, { scope, enterprise_id: enterprise, token: `SECRET-OF-${name}` })),
      });
      expect(res.status).toBe(201);
      if (parent) {
        const patched = await t.app.request(`http://gw.test/v3/regions/${name}`, {
          method: "PATCH",
          headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken },
          body: JSON.stringify({ region: { parent_region_id: parent } }),
        });
        expect(patched.status).toBe(200);
      }
    };
    await add("pub", "public", "ent-a");
    await add("priv", "private", "ent-a");
    await add("pub.child", "public", "ent-b", "priv");
    tokens.reader = (await createCredential(t, { type: "token", role: "reader" })).token as string;
    tokens.granted = (await createCredential(t, { type: "token", role: "reader", private_regions: ["priv"] })).token as string;
    tokens.enterprise = (await createCredential(t, { type: "token", role: "reader", enterprise_id: "ent-b" })).token as string;
    tokens.unknown = "rgt_not-a-token";
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await t?.close();
  });

  /** Sends one request to both servers; returns the two answers and their log lines. */
  const both = async (request: string) => {
    const before = logs.length;
    const viaLane = await exchange(withLane, request);
    const laneLog = logs.slice(before);
    const viaApp = await exchange(withoutLane, request);
    const appLog = logs.slice(before + laneLog.length);
    return { viaLane, viaApp, laneLog, appLog };
  };
  const comparable = (a: RawAnswer) => ({
    status: a.status,
    body: a.body,
    headers: a.headers.filter(([n]) => !varying.has(n)).sort(([x], [y]) => x.localeCompare(y)),
  });
  const withoutId = (lines: Record<string, unknown>[]) => lines.map(({ request_id, ms, time, ...rest }) => rest);

  const requestOf = (path: string, headers: string[], method = "GET") =>
    `${method} ${path} HTTP/1.1\r\nHost: gw.test\r\n${headers.map((h) => `${h}\r\n`).join("")}Connection: close\r\n\r\n`;

  const keystone = (token: string) => `X-Auth-Token: ${token}`;
  const rainbond = (token: string) => `Authorization: ${token}`;

  // [what, path, headers, answered by the lane]
  const cases: [string, string, (tk: typeof tokens) => string[], boolean][] = [];
  for (const caller of ["admin", "reader", "granted", "enterprise"]) {
    cases.push([`${caller}: Keystone list`, "/v3/regions", (tk) => [keystone(tk[caller] as string)], true]);
    cases.push([`${caller}: Keystone show, public`, "/v3/regions/pub", (tk) => [keystone(tk[caller] as string)], true]);
    cases.push([
      `${caller}: Keystone show, child of a private parent`,
      "/v3/regions/pub.child",
      (tk) => [keystone(tk[caller] as string)],
      true,
    ]);
    cases.push([
      `${caller}: Keystone show, private`,
      "/v3/regions/priv",
      (tk) => [keystone(tk[caller] as string)],
      caller === "admin" || caller === "granted",
    ]);
    cases.push([`${caller}: v1 list`, "/openapi/v1/regions", (tk) => [rainbond(tk[caller] as string)], true]);
    cases.push([`${caller}: v2 page`, "/openapi/v2/manage/regions", (tk) => [rainbond(tk[caller] as string)], true]);
  }
  cases.push(
    ["MANAGE_TOKEN: v2 page", "/openapi/v2/manage/regions?current=1&pageSize=2", (tk) => [rainbond(tk.manage as string)], true],
    ["MANAGE_TOKEN: v1 list (401)", "/openapi/v1/regions", (tk) => [rainbond(tk.manage as string)], false],
    ["MANAGE_TOKEN: Keystone list (401)", "/v3/regions", (tk) => [keystone(tk.manage as string)], false],
    ["v2 page 2 of 1 each", "/openapi/v2/manage/regions?current=2&pageSize=1", () => [rainbond(adminToken)], true],
    [
      "v2 page, repeated parameter: the last counts",
      "/openapi/v2/manage/regions?current=3&pageSize=1&current=1",
      () => [rainbond(adminToken)],
      true,
    ],
    ["v2 page, search", "/openapi/v2/manage/regions?query=pub", () => [rainbond(adminToken)], true],
    ["v2 page, bad number", "/openapi/v2/manage/regions?pageSize=abc", () => [rainbond(adminToken)], true],
    ["v2 page, encoded query: the app", "/openapi/v2/manage/regions?query=p%75b", () => [rainbond(adminToken)], false],
    ["v2 page, other parameter: the app", "/openapi/v2/manage/regions?sort=name", () => [rainbond(adminToken)], false],
    ["Bearer prefix", "/openapi/v1/regions", () => [rainbond(`Bearer ${adminToken}`)], true],
    ["Keystone list with a filter: the app", "/v3/regions?parent_region_id=priv", () => [keystone(adminToken)], false],
    ["Keystone list, trailing slash: the app", "/v3/regions/", () => [keystone(adminToken)], false],
    ["unknown region: the app's 404", "/v3/regions/nowhere", () => [keystone(adminToken)], false],
    ["encoded id: the app", "/v3/regions/p%75b", () => [keystone(adminToken)], false],
    ["unknown token: the app's 401", "/v3/regions", (tk) => [keystone(tk.unknown as string)], false],
    ["no credential: the app's 401", "/openapi/v1/regions", () => [], false],
    ["Keystone path with Authorization only: the app", "/v3/regions", () => [rainbond(adminToken)], false],
    ["repeated X-Auth-Token: the app", "/v3/regions", () => [keystone(adminToken), keystone(adminToken)], false],
    [
      "repeated Authorization: the app",
      "/openapi/v1/regions",
      (tk) => [rainbond(tk.reader as string), rainbond(adminToken)],
      false,
    ],
    ["If-None-Match that does not match", "/v3/regions", () => [keystone(adminToken), 'If-None-Match: "nope"'], true],
    ["If-None-Match: *", "/v3/regions/pub", () => [keystone(adminToken), "If-None-Match: *"], true],
    [
      "repeated If-None-Match: the app",
      "/v3/regions/pub",
      () => [keystone(adminToken), 'If-None-Match: "a"', 'If-None-Match: "b"'],
      false,
    ],
  );

  it.each(cases)("%s", async (_what, path, headers, answeredByLane) => {
    const before = laneAnswered;
    const { viaLane, viaApp, laneLog, appLog } = await both(requestOf(path, headers(tokens)));
    expect(laneAnswered - before).toBe(answeredByLane ? 1 : 0);
    expect(comparable(viaLane)).toEqual(comparable(viaApp));
    // the request id is sent under both names, and logged
    const id = viaLane.headers.find(([n]) => n === "x-request-id")?.[1];
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    if (path.startsWith("/v3")) expect(viaLane.headers).toContainEqual(["x-openstack-request-id", id]);
    expect(laneLog.at(-1)?.request_id).toBe(id);
    expect(withoutId(laneLog)).toEqual(withoutId(appLog));
    expect(JSON.stringify(laneLog)).not.toContain("SECRET-OF");
  });

  it("answers If-None-Match with the answer's own ETag: 304 without a body, as the app", async () => {
    for (const [path, auth] of [
      ["/v3/regions", keystone(adminToken)],
      ["/v3/regions/pub", keystone(adminToken)],
      ["/openapi/v1/regions", rainbond(adminToken)],
      ["/openapi/v2/manage/regions", rainbond(adminToken)],
    ] as const) {
      const first = await exchange(withLane, requestOf(path, [auth]));
      const etag = first.headers.find(([n]) => n === "etag")?.[1] as string;
      expect(etag).toMatch(/^"/);
      const before = laneAnswered;
      const { viaLane, viaApp } = await both(requestOf(path, [auth, `If-None-Match: W/${etag}`]));
      expect(laneAnswered - before).toBe(1);
      expect(viaLane.status).toBe(304);
      expect(viaLane.body).toBe("");
      expect(comparable(viaLane)).toEqual(comparable(viaApp));
    }
  });

  it("serves a write at once: the next read is the new answer", async () => {
    const read = () => exchange(withLane, requestOf("/v3/regions/pub", [keystone(adminToken)]));
    const before = JSON.parse((await read()).body).region.description;
    const res = await t.app.request("http://gw.test/v3/regions/pub", {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken },
      body: JSON.stringify({ region: { description: `${before} changed` } }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse((await read()).body).region.description).toBe(`${before} changed`);
  });

  it("leaves HEAD and other methods to the app", async () => {
    const before = laneAnswered;
    const head = await both(requestOf("/v3/regions", [keystone(adminToken)], "HEAD"));
    expect(comparable(head.viaLane)).toEqual(comparable(head.viaApp));
    const del = await both(requestOf("/v3/regions/nowhere", [keystone(adminToken)], "DELETE"));
    expect(comparable(del.viaLane)).toEqual(comparable(del.viaApp));
    expect(laneAnswered).toBe(before);
  });
});
