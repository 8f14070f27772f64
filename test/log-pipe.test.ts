import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "./support/process.ts";

/** The gateway's drain time on SIGTERM (src/server.ts), and a margin for a loaded machine. */
const drainMs = 10_000;
const marginMs = 3_000;

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

// A gateway whose log reader has stopped reading its stdout pipe (a stuck or dead log shipper).
describe("region-gateway serve with a stdout nobody reads (real process)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-logpipe-"));
  let gw: RunningGateway | undefined;
  afterAll(() => {
    if (gw && gw.child.exitCode === null && gw.child.signalCode === null) gw.child.kill("SIGKILL");
    gw?.child.stdout?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps answering under load, then exits on SIGTERM within its drain time", async () => {
    // on every address, without PUBLIC_URL: the start-up warning says links follow the Host header
    gw = await startGateway({ DATA_DIR: dataDir, ADMIN_TOKEN: "log-pipe-admin", LOG_LEVEL: "info", HOST: "0.0.0.0" });
    expect(gw.output()).toMatch(/"level":40,[^\n]*PUBLIC_URL is not set and HOST is 0\.0\.0\.0/);
    // stop reading: the pipe (and the reader's buffer) fill up, every request still logs a line
    gw.child.stdout?.pause();
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: number[] = [];
    for (let batch = 0; batch < 25; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 100 }, () => get(`${gw?.url}/healthz`, agent)))));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    agent.destroy();

    const started = Date.now();
    gw.child.kill("SIGTERM");
    const exited = await Promise.race([
      gw.exited.then((code) => ({ code })),
      new Promise<null>((r) => setTimeout(() => r(null), drainMs + marginMs)),
    ]);
    expect(exited, `still running ${drainMs + marginMs} ms after SIGTERM`).not.toBeNull();
    expect(exited?.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(drainMs + marginMs);
  }, 120_000);
});
