/**
 * The project's benchmark: `npm run bench` prints one Markdown table, PGlite and PostgreSQL side
 * by side, measured on real gateway processes started as `npm start` starts them (compiled
 * JavaScript, request logging on at `info`, logs to a file), with autocannon in this process:
 *
 * - each read path (Keystone list and show, Rainbond v1 list and v2 page; 100 regions, 50
 *   connections): requests/s, p99, and the ratio to a bare `node:http` server (its own process)
 *   sending the same bytes, measured just before it;
 * - start to ready (spawn to the "listening" line) on a new and an existing DATA_DIR / database;
 * - resident memory idle, with 10,000 regions (after the import, and after a restart), and the
 *   peak during the import, whose time is measured too;
 * - PostgreSQL only: how long a write acknowledged by one gateway takes to be served by another
 *   on the same database (p50/p99), and writes/s through 1 and through 3 gateways;
 * - with KEYSTONE_URL and KEYSTONE_TOKEN set, that Keystone's `GET /v3/regions` in the same run.
 *
 *   npm run bench                                  # everything (about 5 minutes)
 *   npm run bench -- --duration 3 --regions 2000   # shorter runs, a smaller import
 *   npm run bench -- --only fleet                  # only the gateways sharing one PostgreSQL (visibility, writes/s)
 *   npm run bench -- --only fleet --rounds 500 --fleet-regions 10000
 *   npm run bench -- --soak                        # 5-minute read/write soak (1% writes) per backend
 *   npm run bench -- --soak --soak-duration 60
 *   BENCH_DATABASE_URL=postgres://… npm run bench  # PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres;
 *                                                  # throw-away databases are created beside it)
 *
 * Figures depend on the machine and on whatever else runs on it: the load average is printed
 * with them. Ratios taken in one run are what compare.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import postgres from "postgres";
import { documentOf } from "./bench-document.ts";
import {
  cpuMs,
  freePort,
  type Gateway,
  importDocument as importBody,
  startGateway as launch,
  newPlace,
  sleep,
  statusMiB,
} from "./bench-process.ts";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    regions: { type: "string", default: "10000" },
    soak: { type: "boolean", default: false },
    "soak-duration": { type: "string", default: "300" },
    /** pglite, postgres, or fleet (PostgreSQL's gateways sharing one database, nothing else) */
    only: { type: "string" },
    /** writes whose visibility on the other gateway is timed */
    rounds: { type: "string", default: "300" },
    /** alternated bare/gateway rounds per read path (the median round is reported) */
    "read-rounds": { type: "string", default: "3" },
    /** regions in the database the fleet shares */
    "fleet-regions": { type: "string", default: "100" },
  },
});
const seconds = Number(flags.duration);
const connections = Number(flags.connections);
const importSize = Number(flags.regions);
const rounds = Number(flags.rounds);
const readRounds = Number(flags["read-rounds"]);
const fleetRegions = Number(flags["fleet-regions"]);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin", "region-gateway.js");
const token = `rgt_bench_${randomBytes(12).toString("hex")}`;
const secretKey = randomBytes(32).toString("hex");
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(path.join(tmpdir(), "rg-bench-"));
/** `node bin/region-gateway.js serve`, as `npm start` runs it; its logs go to a file. */
const startGateway = (env: Record<string, string>) => launch({ work, token, secretKey }, bin, env);
const importDocument = (url: string, body: string) => importBody(url, token, body);

type Backend = "pglite" | "postgres";

// ---------------------------------------------------------------------------------------------
// processes

/**
 * A bare node:http server in its own process, answering every request with the same status,
 * headers and body as the gateway's answer it was given: the same bytes on the wire.
 */
async function startBare(
  status: number,
  headers: [string, string][],
  body: Buffer,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const file = path.join(work, `bare-${port}.body`);
  writeFileSync(file, body);
  const code = `
    const body = require("node:fs").readFileSync(${JSON.stringify(file)});
    const headers = ${JSON.stringify(headers.flat())};
    require("node:http").createServer((req, res) => { res.writeHead(${status}, headers); res.end(body); })
      .listen(${port}, "127.0.0.1", () => process.stdout.write("ready\\n"));`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

const rss = (pid: number) => statusMiB(pid, "VmRSS");
const peak = (pid: number) => statusMiB(pid, "VmHWM");
/** Resets VmHWM (Linux: writing 5 to clear_refs), so a later peak is the peak since now. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

// ---------------------------------------------------------------------------------------------
// databases

async function postgresAvailable(): Promise<boolean> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// data

// ---------------------------------------------------------------------------------------------
// measurements

interface Load {
  rps: number;
  p99: number;
  errors: number;
}

async function cannon(options: Record<string, unknown>): Promise<Load> {
  const r = await autocannon({ connections, duration: seconds, ...options });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

const readPaths: { label: string; path: string; headers: Record<string, string> }[] = [
  { label: "Keystone list `GET /v3/regions`", path: "/v3/regions", headers: { "X-Auth-Token": token } },
  { label: "Keystone show `GET /v3/regions/{id}`", path: "/v3/regions/bench-00007", headers: { "X-Auth-Token": token } },
  { label: "Rainbond v1 list `GET /openapi/v1/regions`", path: "/openapi/v1/regions", headers: { Authorization: token } },
  {
    label: "Rainbond v2 page `GET /openapi/v2/manage/regions?current=1&pageSize=20`",
    path: "/openapi/v2/manage/regions?current=1&pageSize=20",
    headers: { Authorization: token },
  },
];

/** A read path's load test on one server: req/s, p99 and the server's CPU time per request. */
interface ReadLoad extends Load {
  cpuUs: number;
}

/**
 * One read path on the gateway against a bare server sending the same bytes (status, headers and
 * body), in alternated rounds (bare, gateway, bare, gateway, …) so that both meet the same
 * neighbours: each round's ratio is taken from its own pair, and the median round is reported.
 */
async function readPath(
  url: string,
  gatewayPid: number,
  p: (typeof readPaths)[number],
): Promise<{ gw: ReadLoad; bare: ReadLoad; ratio: number; ratios: number[]; bytes: number }> {
  const res = await fetch(`${url}${p.path}`, { headers: p.headers });
  if (res.status !== 200) throw new Error(`${p.path} answered ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  // what Node adds by itself (date, keep-alive) it adds to the bare server's answers too
  const headers = [...res.headers].filter(([k]) => !["date", "connection", "keep-alive", "transfer-encoding"].includes(k));
  const bare = await startBare(res.status, headers, body);
  // the same requests to both (the credential header included)
  const load = async (target: string, pid: number, headers: Record<string, string>): Promise<ReadLoad> => {
    const before = cpuMs(pid);
    const r = await autocannon({ connections, duration: seconds, url: target, headers });
    const cpuUs = ((cpuMs(pid) - before) * 1000) / Math.max(1, r.requests.total);
    return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, cpuUs };
  };
  try {
    const pairs: { bare: ReadLoad; gw: ReadLoad }[] = [];
    for (let i = 0; i < readRounds; i++) {
      const b = await load(`${bare.url}${p.path}`, bare.pid, p.headers);
      const g = await load(`${url}${p.path}`, gatewayPid, p.headers);
      pairs.push({ bare: b, gw: g });
    }
    const ratios = pairs.map((x) => x.gw.rps / x.bare.rps);
    const mid = [...pairs].sort((x, y) => x.gw.rps / x.bare.rps - y.gw.rps / y.bare.rps)[
      Math.floor(pairs.length / 2)
    ] as (typeof pairs)[number];
    const errors = (k: "bare" | "gw") => pairs.reduce((n, x) => n + x[k].errors, 0);
    // the median round's figures (its req/s, p99 and CPU), and errors over all rounds
    return {
      gw: { ...mid.gw, errors: errors("gw") },
      bare: { ...mid.bare, errors: errors("bare") },
      ratio: mid.gw.rps / mid.bare.rps,
      ratios,
      bytes: body.length,
    };
  } finally {
    await bare.stop();
  }
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** B's own measure of propagation (its metrics): seconds summed and changes counted so far. */
async function propagationSoFar(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    sum: value("region_gateway_catalog_propagation_seconds_sum"),
    count: value("region_gateway_catalog_propagation_seconds_count"),
  };
}

/**
 * A write acknowledged by A, then B asked until it serves it, as a client would: one `GET` after
 * another on a kept-alive connection, each read for the written value; the time is from A's
 * answer having been read to B's answer showing the write having been read (so it includes one
 * read's round trip). The writes follow one another, as their own client would send them.
 */
async function visibility(
  a: string,
  b: string,
  n = rounds,
): Promise<{ p50: number; p99: number; times: number[]; firstRead: number }> {
  const times: number[] = [];
  let firstRead = 0;
  for (let i = 0; i < n; i++) {
    const description = `visibility ${i} ${randomBytes(4).toString("hex")}`;
    const res = await fetch(`${a}/v3/regions/bench-00003`, {
      method: "PATCH",
      headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
      body: JSON.stringify({ region: { description } }),
    });
    if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`);
    await res.arrayBuffer();
    const acked = performance.now();
    for (let reads = 1; ; reads++) {
      const r = await fetch(`${b}/v3/regions/bench-00003`, { headers: { "X-Auth-Token": token } });
      const seen = ((await r.json()) as { region: { description: string } }).region.description;
      if (seen === description) {
        if (reads === 1) firstRead++;
        break;
      }
      if (performance.now() - acked > 10_000) throw new Error("a write was not visible on the other gateway after 10 s");
    }
    times.push(performance.now() - acked);
  }
  times.sort((x, y) => x - y);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), times, firstRead };
}

/** Keystone PATCHes through each gateway at once (10 connections in all): acknowledged writes/s. */
async function writesPerSecond(urls: string[]): Promise<number> {
  const per = Math.max(1, Math.floor(10 / urls.length));
  const results = await Promise.all(
    urls.map((url, i) =>
      autocannon({
        url: `${url}/v3/regions/bench-0001${i}`,
        method: "PATCH",
        connections: per,
        duration: seconds,
        headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
        body: JSON.stringify({ region: { description: `written through gateway ${i}` } }),
      }),
    ),
  );
  return results.reduce((sum, r) => sum + (r.requests.total - r.non2xx - r.errors) / seconds, 0);
}

// ---------------------------------------------------------------------------------------------
// the run

type Cells = Map<string, Partial<Record<Backend, string>>>;
const cells: Cells = new Map();
const put = (row: string, backend: Backend, value: string) => cells.set(row, { ...cells.get(row), [backend]: value });
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const mib = (x: number) => `${Math.round(x)} MiB`;
/** a difference in MiB with its sign */
const dmib = (x: number) => `${Math.round(x) < 0 ? "−" : "+"}${Math.abs(Math.round(x))} MiB`;

async function median(times: number, run: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) xs.push(await run());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] as number;
}

async function benchBackend(backend: Backend): Promise<void> {
  const log = (m: string) => process.stderr.write(`[${backend}] ${m}\n`);
  // start to ready, new (median of 3, each on a new directory or database)
  const fresh = await median(3, async () => {
    const place = await newPlace(backend, work, adminUrl);
    const gw = await startGateway(place.env);
    await gw.stop();
    await place.drop();
    return gw.readyMs;
  });
  put("start to ready, new `DATA_DIR` / database", backend, ms(fresh));
  log(`start, new: ${ms(fresh)}`);

  const place = await newPlace(backend, work, adminUrl);
  try {
    let gw = await startGateway(place.env);
    await importDocument(gw.url, documentOf(100));
    await gw.stop();
    const again = await median(3, async () => {
      const g = await startGateway(place.env);
      await g.stop();
      return g.readyMs;
    });
    put("start to ready, existing (100 regions)", backend, ms(again));
    log(`start, existing: ${ms(again)}`);

    gw = await startGateway(place.env);
    await sleep(3_000);
    put("RSS idle (100 regions, 3 s after start)", backend, mib(rss(gw.pid)));

    for (const p of readPaths) {
      const r = await readPath(gw.url, gw.pid, p);
      put(
        `${p.label}: req/s · p99 · CPU per request · ratio to bare`,
        backend,
        `${n0(r.gw.rps)} · ${r.gw.p99} ms · ${n0(r.gw.cpuUs)} µs · **${r.ratio.toFixed(2)}**`,
      );
      put(
        `… bare \`node:http\`, same status, headers and ${n0(r.bytes)}-byte body`,
        backend,
        `${n0(r.bare.rps)} · ${r.bare.p99} ms · ${n0(r.bare.cpuUs)} µs`,
      );
      if (r.gw.errors > 0) log(`${p.path}: ${r.gw.errors} errors`);
      log(
        `${p.path}: ${n0(r.gw.rps)} req/s (bare ${n0(r.bare.rps)}), ratio per round ${r.ratios.map((x) => x.toFixed(2)).join(", ")}`,
      );
    }
    const single = await writesPerSecond([gw.url]);
    put("writes/s (Keystone PATCH, 10 connections), 1 gateway", backend, n0(single));
    await gw.stop();

    // 10,000 regions: the import, then memory after it settles and after a restart
    const big = documentOf(importSize, "bulk");
    gw = await startGateway(place.env);
    await sleep(3_000);
    const idle = rss(gw.pid);
    resetPeak(gw.pid);
    const t0 = performance.now();
    await importDocument(gw.url, big);
    const took = performance.now() - t0;
    const top = peak(gw.pid);
    put(`import of ${n0(importSize)} regions (${(big.length / 1048576).toFixed(1)} MiB): time`, backend, ms(took));
    put("… peak RSS during it (+ over idle just before)", backend, `${mib(top)} (${dmib(top - idle)})`);
    log(`import: ${ms(took)}, peak ${mib(top)}`);
    await sleep(5_000);
    const settled = rss(gw.pid);
    await gw.stop();
    gw = await startGateway(place.env);
    put(`start to ready, existing (${n0(importSize + 100)} regions)`, backend, ms(gw.readyMs));
    await sleep(5_000);
    const restarted = rss(gw.pid);
    put(
      `RSS with ${n0(importSize + 100)} regions, 5 s settled: after the import · after a restart (+ over idle)`,
      backend,
      `${mib(settled)} (${dmib(settled - idle)}) · ${mib(restarted)} (${dmib(restarted - idle)})`,
    );
    await gw.stop();
  } finally {
    await place.drop();
  }

  if (backend === "postgres") await benchFleet();
  else {
    put("a write on gateway A served by gateway B: p50 · p99", backend, "— (one process)");
    put("… CPU per write: A (writes) · B (polled for it) · C (follows only)", backend, "— (one process)");
    put("writes/s, 3 gateways on one database (all on this machine)", backend, "— (one process)");
  }
}

/**
 * Three gateways on one PostgreSQL database: how long a write acknowledged by A takes to be served
 * by B, what each remote write costs a gateway that only follows (C: no requests), and writes/s
 * through all three. With `--only fleet`, writes/s through A alone (B and C not started yet) too.
 */
async function benchFleet(): Promise<void> {
  const log = (m: string) => process.stderr.write(`[postgres] ${m}\n`);
  const shared = await newPlace("postgres", work, adminUrl);
  const fleet: Gateway[] = [];
  try {
    fleet.push(await startGateway(shared.env));
    const a = fleet[0] as Gateway;
    await importDocument(a.url, documentOf(fleetRegions));
    if (flags.only === "fleet") {
      const single = await writesPerSecond([a.url]);
      put("writes/s (Keystone PATCH, 10 connections), 1 gateway", "postgres", n0(single));
      log(`writes/s, 1 gateway: ${n0(single)}`);
    }
    for (let i = 1; i < 3; i++) fleet.push(await startGateway(shared.env));
    const [, b] = fleet as [Gateway, Gateway, Gateway];
    await sleep(500);
    await visibility(a.url, b.url, 10); // warm-up
    const cpu0 = fleet.map((g) => cpuMs(g.pid));
    const own0 = await propagationSoFar(b.url);
    const seen = await visibility(a.url, b.url);
    const cpu = fleet.map((g, i) => (cpuMs(g.pid) - (cpu0[i] as number)) / rounds);
    const own1 = await propagationSoFar(b.url);
    const ownMean = ((own1.sum - own0.sum) / (own1.count - own0.count)) * 1000;
    put("a write on gateway A served by gateway B: p50 · p99", "postgres", `${ms(seen.p50)} · ${ms(seen.p99)}`);
    put(
      "… CPU per write: A (writes) · B (polled for it) · C (follows only)",
      "postgres",
      cpu.map((x) => `${x.toFixed(1)} ms`).join(" · "),
    );
    log(
      `visibility p50 ${ms(seen.p50)} p99 ${ms(seen.p99)} max ${ms(seen.times.at(-1) ?? NaN)}, ${seen.firstRead} of ${rounds} on the first read; ` +
        `B's own measure (lock taken on A to served on B), mean ${ms(ownMean)} over ${own1.count - own0.count} changes; CPU per write ${cpu.map((x) => x.toFixed(2)).join(" / ")} ms`,
    );
    const three = await writesPerSecond(fleet.map((g) => g.url));
    put("writes/s, 3 gateways on one database (all on this machine)", "postgres", n0(three));
    log(`writes/s, 3 gateways: ${n0(three)}`);
  } finally {
    for (const g of fleet) await g.stop();
    await shared.drop();
  }
}

async function keystoneRow(): Promise<void> {
  const url = process.env.KEYSTONE_URL?.replace(/\/+$/, "");
  const kt = process.env.KEYSTONE_TOKEN;
  if (!url || !kt) return;
  const r = await cannon({ url: `${url}/v3/regions`, headers: { "X-Auth-Token": kt } });
  const value = `${n0(r.rps)} · ${r.p99} ms`;
  cells.set(`Keystone at KEYSTONE_URL, \`GET /v3/regions\`: req/s · p99`, { pglite: value, postgres: value });
}

async function soak(backend: Backend, duration: number): Promise<string> {
  const place = await newPlace(backend, work, adminUrl);
  const gw = await startGateway(place.env);
  try {
    await importDocument(gw.url, documentOf(100));
    // 99 reads (the four paths in turn) and 1 write per 100 requests, on every connection
    const requests: { method: string; path: string; headers: Record<string, string>; body?: string }[] = [];
    for (let i = 0; i < 99; i++) {
      const p = readPaths[i % readPaths.length] as (typeof readPaths)[number];
      requests.push({ method: "GET", path: p.path, headers: p.headers });
    }
    requests.push({
      method: "PATCH",
      path: "/v3/regions/bench-00005",
      headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
      body: JSON.stringify({ region: { description: "soak" } }),
    });
    // RSS before the load, once it has warmed up (the young generation and compiled code grow to
    // the load in the first seconds), its highest after that, and at the end
    const samples: { at: number; rss: number }[] = [];
    const t0 = performance.now();
    const sampler = setInterval(() => samples.push({ at: performance.now() - t0, rss: rss(gw.pid) }), 5_000);
    const before = rss(gw.pid);
    const r = await autocannon({ url: gw.url, connections: 10, duration, requests });
    clearInterval(sampler);
    const end = rss(gw.pid);
    const warm = samples.filter((x) => x.at >= Math.min(30_000, (duration * 1000) / 4));
    const start = warm[0]?.rss ?? end;
    return `| ${backend === "pglite" ? "PGlite" : "PostgreSQL"} | ${duration} s | ${n0(r.requests.average)} | ${r.errors + r.non2xx} | ${mib(before)} | ${mib(start)} | ${mib(Math.max(...warm.map((x) => x.rss), end))} | ${mib(end)} |`;
  } finally {
    await gw.stop();
    await place.drop();
  }
}

const pg = flags.only !== "pglite" && (await postgresAvailable());
const fleetOnly = flags.only === "fleet";
const backends: Backend[] = fleetOnly
  ? []
  : [...(flags.only !== "postgres" ? (["pglite"] as const) : []), ...(pg ? (["postgres"] as const) : [])];
const loadBefore = loadavg();
const started = new Date();
try {
  if (flags.soak) {
    const duration = Number(flags["soak-duration"]);
    const rows: string[] = [];
    for (const b of backends) rows.push(await soak(b, duration));
    console.log(
      [
        "| backend | duration | req/s (1% writes, 10 connections) | errors | RSS before | RSS after 30 s | highest after 30 s | RSS at end |",
        "|---|---|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  } else {
    for (const b of backends) await benchBackend(b);
    if (fleetOnly && pg) await benchFleet();
    await keystoneRow();
    const lines = ["| | PGlite (embedded) | PostgreSQL |", "|---|---|---|"];
    for (const [row, v] of cells) {
      const absent = flags.only === "pglite" ? "not measured (--only pglite)" : "not measured (no PostgreSQL)";
      if (fleetOnly && !v.postgres) continue;
      lines.push(`| ${row} | ${v.pglite ?? (fleetOnly ? "—" : "not measured")} | ${v.postgres ?? (pg ? "—" : absent)} |`);
    }
    console.log(lines.join("\n"));
  }
  const loadAfter = loadavg();
  const f = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  console.log(
    `\n${started.toISOString().slice(0, 16)}Z · node ${process.version} · ${cpus().length} CPUs · ` +
      `${flags.soak ? `soak of ${flags["soak-duration"]} s, 10 connections` : `${readRounds} alternated rounds of ${seconds} s per read path, ${connections} connections`} · ` +
      (flags.soak ? "" : `visibility over ${n0(rounds)} writes, ${n0(fleetRegions)} regions shared · `) +
      `load average ${f(loadBefore)} before, ${f(loadAfter)} after`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
