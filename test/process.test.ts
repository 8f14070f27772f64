import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { binPath, type RunningGateway, startGateway, stopGateway } from "./support/process.ts";

// The gateway as a real process on the embedded database: token bootstrap, persistence, SIGTERM.
describe("region-gateway serve (real process, embedded database)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-proc-"));
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    if (gw) await stopGateway(gw);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("generates an admin token on first start, prints it once and saves it with mode 0600", async () => {
    gw = await startGateway({ DATA_DIR: dataDir });
    const file = path.join(dataDir, "admin-token");
    const token = readFileSync(file, "utf8").trim();
    expect(token).toMatch(/^rgt_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // the key that seals secrets at rest, generated beside it on the embedded database
    expect(statSync(path.join(dataDir, "secret-key")).mode & 0o777).toBe(0o600);
    expect(gw.output().split(token).length - 1).toBe(1);
    // the slow first start says what it is doing, once, before anything else (but the line naming the version)
    expect(gw.output()).toMatch(
      /^\{[^\n]*"msg":"region-gateway starting"\}\n\{[^\n]*"msg":"initialising the embedded database in [^\n]* \(first start\)…"/,
    );
    expect(gw.output().split("initialising the embedded database").length - 1).toBe(1);
    const res = await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": token } });
    expect(res.status).toBe(200);
    expect((await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": "wrong" } })).status).toBe(401);
  });

  it("refuses a second gateway on the same data directory, and a port already taken, in one line with exit 2", () => {
    const running = gw as RunningGateway;
    const second = spawnSync(process.execPath, [binPath, "serve"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, PORT: "0" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(second.status).toBe(2);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(/is in use by another region-gateway process \(pid \d+\)/);
    const otherDir = mkdtempSync(path.join(tmpdir(), "rg-proc-port-"));
    const port = new URL(running.url).port;
    // no ADMIN_TOKEN: a start that cannot serve must not generate (print, save, store) an admin token
    const taken = spawnSync(process.execPath, [binPath, "serve"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: otherDir, PORT: port, LOG_LEVEL: "silent" },
      encoding: "utf8",
      timeout: 60_000,
    });
    const tokenSaved = existsSync(path.join(otherDir, "admin-token"));
    rmSync(otherDir, { recursive: true, force: true });
    expect(taken.status).toBe(2);
    expect(taken.stderr.trim()).toBe(`region-gateway: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(taken.stdout).not.toMatch(/admin token|rgt_/);
    expect(tokenSaved).toBe(false);
  });

  it("on SIGTERM finishes the in-flight request, then exits 0", async () => {
    const running = gw as RunningGateway;
    const token = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    const body = JSON.stringify({ region: { id: "in-flight", description: "sent across a SIGTERM" } });
    const { port } = new URL(running.url);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/v3/regions",
          headers: { "X-Auth-Token": token, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.on("data", (d) => {
            text += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        running.child.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const answered = await response;
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body).region.id).toBe("in-flight");
    expect(await running.exited).toBe(0);
    await running.closed; // its last lines read from the pipe
    expect(running.output()).toContain('"msg":"stopped"');
    // never log secrets: the token appears only in the one-time banner of the first start
    expect(running.output().split(token).length - 1).toBe(1);
  });

  it("keeps acknowledged writes across a restart and does not print the token again", async () => {
    gw = await startGateway({ DATA_DIR: dataDir });
    const token = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    expect(gw.output()).not.toContain(token);
    expect(gw.output()).not.toContain("initialising the embedded database");
    const res = await fetch(`${gw.url}/v3/regions/in-flight`, { headers: { "X-Auth-Token": token } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { region: { description: string } }).region.description).toBe("sent across a SIGTERM");
    expect(await stopGateway(gw)).toBe(0);
    gw = undefined;
  });

  it("after an import of 1,000 regions opens the embedded database again, and goes on writing", async () => {
    gw = await startGateway({ DATA_DIR: dataDir });
    const token = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    const regions = Array.from({ length: 1_000 }, (_, i) => ({ name: `bulk-${i}`, description: `bulk ${i}` }));
    const imported = await fetch(`${gw.url}/admin/v1/import?format=canonical`, {
      method: "POST",
      headers: { "X-Auth-Token": token },
      body: JSON.stringify(regions),
    });
    expect(imported.status).toBe(200);
    // a write right behind the import waits for the new engine, if it must, and is kept
    const written = await fetch(`${gw.url}/v3/regions`, {
      method: "POST",
      headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
      body: JSON.stringify({ region: { id: "after-bulk" } }),
    });
    expect(written.status).toBe(201);
    for (let waited = 0; waited < 20_000 && !gw.output().includes("embedded database reopened"); waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(gw.output()).toContain("embedded database reopened to give back its memory");
    const audit = await fetch(`${gw.url}/admin/v1/audit?limit=1`, { headers: { "X-Auth-Token": token } });
    expect(audit.status).toBe(200);
    expect(await stopGateway(gw)).toBe(0);
    gw = await startGateway({ DATA_DIR: dataDir });
    const list = await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": token } });
    const names = ((await list.json()) as { regions: { id: string }[] }).regions.map((r) => r.id);
    expect(names).toContain("after-bulk");
    expect(names.filter((n) => n.startsWith("bulk-"))).toHaveLength(1_000);
    expect(await stopGateway(gw)).toBe(0);
    gw = undefined;
  });

  it("`migrate` applies the migrations and exits 0; a bad DATABASE_URL is one clear line and exit 2", () => {
    const ok = spawnSync(process.execPath, [binPath, "migrate"], {
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir },
      encoding: "utf8",
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("migrations applied (pglite)");
    const bad = spawnSync(process.execPath, [binPath, "migrate"], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: "mysql://nope" },
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("DATABASE_URL");
  });
});
