import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeDatabase, loadConfig } from "../src/config.ts";
import { backends } from "./support/backends.ts";
import { binPath, type RunningGateway, startGateway, stopGateway } from "./support/process.ts";

const version = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../package.json"), "utf8")) as { version: string })
  .version;

const jsonLines = (output: string) =>
  output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("start-up lines name the database without its password", () => {
  it("the data directory, or the host and database of DATABASE_URL", () => {
    expect(describeDatabase(loadConfig({ DATA_DIR: "/var/lib/rg" }))).toEqual({ database: "pglite", data_dir: "/var/lib/rg" });
    const pg = describeDatabase(
      loadConfig({ DATABASE_URL: "postgres://gw:pa%40ss-w0rd@db.example.com:6432/regions?sslmode=require" }),
    );
    expect(pg).toEqual({ database: "postgres", db_host: "db.example.com:6432", db_name: "regions" });
    expect(JSON.stringify(pg)).not.toMatch(/pa%40ss|pa@ss|w0rd|gw/);
    expect(describeDatabase(loadConfig({ DATABASE_URL: "postgresql:///regions?host=/run/postgresql" }))).toEqual({
      database: "postgres",
      db_host: "/run/postgresql",
      db_name: "regions",
    });
  });
});

// The gateway as a real process: what an operator sees on stdout.
describe("region-gateway serve logs (real process, embedded database)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-logs-"));
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    if (gw) await stopGateway(gw);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("JSON: a start-up line with the version and data directory, then one line per request with the id the client saw", async () => {
    gw = await startGateway({ DATA_DIR: dataDir, ADMIN_TOKEN: "process-logs-admin" });
    const res = await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": "process-logs-admin" } });
    expect(res.status).toBe(200);
    await stopGateway(gw);
    const lines = jsonLines(gw.output());
    gw = undefined;
    expect(lines.find((l) => l.msg === "region-gateway starting")).toMatchObject({
      level: 30,
      version,
      database: "pglite",
      data_dir: dataDir,
    });
    expect(lines.find((l) => l.msg === "region-gateway listening")).toMatchObject({ database: "pglite", metrics: "open" });
    expect(lines.find((l) => l.msg === "request")).toMatchObject({
      request_id: res.headers.get("X-Request-Id"),
      method: "GET",
      route: "/v3/regions",
      dialect: "keystone",
      credential: "env:ADMIN_TOKEN",
      status: 200,
    });
    expect(lines.map((l) => JSON.stringify(l)).join("\n")).not.toContain("process-logs-admin");
  });

  it("LOG_FORMAT=pretty: human-readable lines for a terminal, no JSON", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [binPath, "serve"], {
      env: {
        PATH: process.env.PATH ?? "",
        DATA_DIR: dataDir,
        ADMIN_TOKEN: "process-logs-admin",
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_FORMAT: "pretty",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    // "close": the process has exited and everything it wrote has been read
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      while (!/region-gateway listening/.test(out) && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/INFO[^\n]*: region-gateway starting\n\s+version: "[^"]+"/);
    expect(out).toMatch(/INFO[^\n]*: request\n(\s+\w+: [^\n]*\n)*\s+route: "\/healthz"/);
    expect(out.split("\n").filter((l) => l.startsWith("{"))).toEqual([]);
  });
});

const postgresBackend = backends.find((b) => b.name === "postgres");
describe.skipIf(!postgresBackend?.available)("region-gateway serve on PostgreSQL (real process)", () => {
  it("names the database's host and name at start-up, never the password in DATABASE_URL", async () => {
    const db = await (postgresBackend as (typeof backends)[number]).open();
    const url = new URL(db.url as string);
    // a local server that trusts its clients ignores the password; one that checks it has one set already
    url.password ||= "never-logged-db-password";
    const password = decodeURIComponent(url.password);
    let gw: RunningGateway | undefined;
    try {
      gw = await startGateway({ DATABASE_URL: url.toString(), SECRET_KEY: "cd".repeat(32), ADMIN_TOKEN: "pg-logs-admin" });
      await stopGateway(gw);
      const output = gw.output();
      expect(jsonLines(output).find((l) => l.msg === "region-gateway starting")).toMatchObject({
        version,
        database: "postgres",
        db_host: url.host,
        db_name: url.pathname.slice(1),
      });
      expect(output).not.toContain(password);
      expect(output).not.toContain(url.password);
    } finally {
      if (gw && gw.child.exitCode === null) await stopGateway(gw);
      await db.drop();
    }
  });
});
