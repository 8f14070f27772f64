import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { throwAwayDatabase } from "../test/support/throwaway-database.ts";

/**
 * What the benchmarks (bench.ts, bench-import.ts, bench-memory.ts) need of processes: a gateway
 * started as `npm start` starts it, a free port, and what /proc says of a process. One place, so
 * that they measure gateways started the same way.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Clock ticks a second (/proc/<pid>/stat counts CPU time in them). */
export const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU time (user + system, all threads) a process has used so far, ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // utime and stime are the 14th and 15th fields; fields[0] is the 3rd (state)
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/** A line of /proc/<pid>/status counted in kB (VmRSS, VmHWM…), in MiB. */
export function statusMiB(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024;
}

export interface Gateway {
  child: ChildProcess;
  url: string;
  pid: number;
  /** spawn to the "listening" line, ms */
  readyMs: number;
  /** CPU (user + system, all threads) spent by then, ms */
  readyCpuMs: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** where each gateway's log file goes */
  work: string;
  /** ADMIN_TOKEN and SECRET_KEY of every gateway started */
  token: string;
  secretKey: string;
  /** node options before the script (e.g. --cpu-prof) */
  nodeArgs?: string[];
}

/**
 * `node bin/region-gateway.js serve`, as `npm start` runs it (request logging at `info`), its
 * logs going to a file as a service manager would take them; resolves once it says it listens.
 */
export async function startGateway(o: LaunchOptions, bin: string, env: Record<string, string>): Promise<Gateway> {
  const port = await freePort();
  const logFile = path.join(o.work, `gateway-${port}.log`);
  const fd = openSync(logFile, "w");
  const started = performance.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), bin, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      ADMIN_TOKEN: o.token,
      SECRET_KEY: o.secretKey,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  for (;;) {
    if (readFileSync(logFile, "utf8").includes("region-gateway listening")) break;
    if (dead) throw new Error(`the gateway exited:\n${readFileSync(logFile, "utf8")}`);
    await sleep(10);
  }
  const readyMs = performance.now() - started;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    readyMs,
    readyCpuMs: cpuMs(child.pid as number),
    async stop() {
      if (!dead) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** `POST /admin/v1/import?format=canonical` of a document; throws unless it answers 200. */
export async function importDocument(url: string, token: string, body: string): Promise<void> {
  const res = await fetch(`${url}/admin/v1/import?format=canonical`, {
    method: "POST",
    body,
    headers: { "X-Auth-Token": token },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${text.slice(0, 300)}`);
}

/** Where a gateway keeps its data: the environment that points it there, and how to remove it. */
export interface Place {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A new, empty place: a data directory (PGlite), or a new PostgreSQL database made through
 * `adminUrl` (with a data directory of its own for the gateway's other files).
 */
export async function newPlace(backend: "pglite" | "postgres", work: string, adminUrl: string): Promise<Place> {
  const dir = mkdtempSync(path.join(work, "data-"));
  if (backend === "pglite") return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  const place = await throwAwayDatabase(adminUrl, "rg_bench");
  return {
    env: { DATABASE_URL: place.url, DATA_DIR: dir },
    async drop() {
      await place.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
