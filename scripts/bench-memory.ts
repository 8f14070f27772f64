/**
 * Memory with 10,000 regions after a restart, as `npm run bench` measures it (its row "RSS with
 * 10,100 regions, 5 s settled: … after a restart"), alone and in alternating rounds: one database
 * of 100 regions (the idle figure: RSS 3 s after start) and one of 10,100 (the 100 and 10,000 of
 * the bench's documents), each filled once, then gateways started on them in turn, each round
 * running every checkout given. What a settled gateway holds is read from its own metrics: heap
 * used and total, and external memory (ArrayBuffers and Buffers: off the V8 heap). Then, on the
 * same gateway, the CPU it spent to be ready (spawn to the "listening" line: loading the
 * catalogue is most of it) and per request of the console's whole list (`GET /openapi/v1/regions`
 * as an admin: every region with its certificates and key, over the 4 MiB an answer is kept up
 * to, so rendered for each request).
 *
 *   npx tsx scripts/bench-memory.ts                               # PostgreSQL and PGlite, 3 rounds
 *   npx tsx scripts/bench-memory.ts --only pglite --rounds 5
 *   npx tsx scripts/bench-memory.ts --compare ../other-checkout   # each round: that checkout's gateway, then this one's
 *
 * Both checkouts must read the same schema: the databases are filled by this checkout's gateway.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { documentOf } from "./bench-document.ts";

const { values: flags } = parseArgs({
  options: {
    regions: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    settle: { type: "string", default: "5" },
    compare: { type: "string" },
  },
});
const regions = Number(flags.regions);
const rounds = Number(flags.rounds);
const root = path.resolve(import.meta.dirname, "..");
const binOf = (checkout: string) => path.join(checkout, "bin", "region-gateway.js");
const token = `rgt_bench_${randomBytes(12).toString("hex")}`;
const secretKey = randomBytes(32).toString("hex");
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(path.join(tmpdir(), "rg-bench-memory-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Gateway {
  child: ChildProcess;
  url: string;
  pid: number;
  readyMs: number;
  /** CPU (user + system, all threads) spent by then, ms */
  readyCpuMs: number;
  stop(): Promise<void>;
}

/** `node bin/region-gateway.js serve`, as `npm start` runs it; its logs go to a file. */
async function startGateway(bin: string, env: Record<string, string>): Promise<Gateway> {
  const port = await freePort();
  const logFile = path.join(work, `gateway-${port}.log`);
  const fd = openSync(logFile, "w");
  const started = performance.now();
  const child = spawn(process.execPath, [bin, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      ADMIN_TOKEN: token,
      SECRET_KEY: secretKey,
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
  const readyCpuMs = cpuMs(child.pid as number);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    readyMs,
    readyCpuMs,
    async stop() {
      if (!dead) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** user + system CPU of a process, in ms (USER_HZ = 100 on Linux) */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function status(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) / 1024;
}

async function importDocument(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/admin/v1/import?format=canonical`, {
    method: "POST",
    body,
    headers: { "X-Auth-Token": token },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${text.slice(0, 300)}`);
}

interface Place {
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function newPlace(backend: "pglite" | "postgres"): Promise<Place> {
  const dir = mkdtempSync(path.join(work, "data-"));
  if (backend === "pglite") return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  const name = `rg_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dir },
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A place holding the bench's documents: 100 regions, and `size` more when given. */
async function filledPlace(backend: "pglite" | "postgres", size: number): Promise<Place> {
  const place = await newPlace(backend);
  const gw = await startGateway(binOf(root), place.env);
  try {
    await importDocument(gw.url, documentOf(100));
    if (size > 0) await importDocument(gw.url, documentOf(size, "bulk"));
  } finally {
    await gw.stop();
  }
  return place;
}

interface Settled {
  idle: number;
  readyMs: number;
  readyCpuMs: number;
  /** gateway CPU per request of the whole v1 list, ms */
  listCpuMs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const mibOf = (bytes: number) => bytes / 1048576;
const listRequests = 5;

async function measure(bin: string, small: Place, big: Place): Promise<Settled> {
  let gw = await startGateway(bin, small.env);
  await sleep(3_000);
  const idle = status(gw.pid, "VmRSS");
  await gw.stop();
  gw = await startGateway(bin, big.env);
  try {
    await sleep(Number(flags.settle) * 1000);
    const rss = status(gw.pid, "VmRSS");
    // the gateway's own metrics (loopback, no token), read after the RSS: reading them allocates
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const pick = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metrics)?.[1] ?? Number.NaN);
    const list = async () => {
      const res = await fetch(`${gw.url}/openapi/v1/regions`, { headers: { Authorization: token } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the v1 list answered ${res.status}`);
    };
    for (let i = 0; i < 2; i++) await list();
    const before = cpuMs(gw.pid);
    for (let i = 0; i < listRequests; i++) await list();
    return {
      idle,
      readyMs: gw.readyMs,
      readyCpuMs: gw.readyCpuMs,
      listCpuMs: (cpuMs(gw.pid) - before) / listRequests,
      rss,
      heapUsed: mibOf(pick("nodejs_heap_size_used_bytes")),
      heapTotal: mibOf(pick("nodejs_heap_size_total_bytes")),
      external: mibOf(pick("nodejs_external_memory_bytes")),
    };
  } finally {
    await gw.stop();
  }
}

const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const backends = (["postgres", "pglite"] as const).filter((b) => !flags.only || flags.only === b);
const checkouts = flags.compare
  ? [
      { label: path.basename(path.resolve(flags.compare)), bin: binOf(path.resolve(flags.compare)) },
      { label: "this", bin: binOf(root) },
    ]
  : [{ label: "this", bin: binOf(root) }];
const lines = [
  `| backend | checkout | round | RSS idle (100 regions) | start to ready (${f0(regions + 100)}): wall · CPU | RSS 5 s after (+ over idle) | heap used · total | external | v1 list: CPU per request |`,
  "|---|---|---|---|---|---|---|---|---|",
];
const row = (backend: string, label: string, round: string, r: Settled) =>
  `| ${backend} | ${label} | ${round} | ${f0(r.idle)} MiB | ${f0(r.readyMs)} · ${f0(r.readyCpuMs)} ms | ${f0(r.rss)} MiB (+${f0(r.rss - r.idle)}) | ${f0(r.heapUsed)} · ${f0(r.heapTotal)} MiB | ${f0(r.external)} MiB | ${f0(r.listCpuMs)} ms |`;
const before = loadavg();
try {
  for (const backend of backends) {
    const small = await filledPlace(backend, 0);
    const big = await filledPlace(backend, regions);
    try {
      const all = new Map<string, Settled[]>(checkouts.map((c) => [c.label, []]));
      for (let i = 0; i < rounds; i++) {
        for (const c of checkouts) {
          const r = await measure(c.bin, small, big);
          all.get(c.label)?.push(r);
          const line = row(backend, c.label, String(i + 1), r);
          lines.push(line);
          process.stderr.write(`${line}\n`);
        }
      }
      if (rounds > 1) {
        for (const c of checkouts) {
          const rs = all.get(c.label) ?? [];
          const m = (k: keyof Settled) => median(rs.map((r) => r[k]));
          const over = median(rs.map((r) => r.rss - r.idle));
          lines.push(
            `| ${backend} | ${c.label} | median | ${f0(m("idle"))} MiB | ${f0(m("readyMs"))} · ${f0(m("readyCpuMs"))} ms | ${f0(m("rss"))} MiB (+${f0(over)}) | ${f0(m("heapUsed"))} · ${f0(m("heapTotal"))} MiB | ${f0(m("external"))} MiB | ${f0(m("listCpuMs"))} ms |`,
          );
        }
      }
    } finally {
      await small.drop();
      await big.drop();
    }
  }
  console.log(lines.join("\n"));
  const l = (x: number[]) => x.map((v) => v.toFixed(2)).join(", ");
  console.log(`\nload average ${l(before)} before, ${l(loadavg())} after`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
