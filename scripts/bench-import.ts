import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { documentOf } from "./bench-document.ts";
import { clockTicks, cpuMs, startGateway as launch, sleep, statusMiB } from "./bench-process.ts";

const { values: flags } = parseArgs({
  options: {
    regions: { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
    only: { type: "string" },
    "node-args": { type: "string", default: "" },
    settle: { type: "string", default: "5" },
    compare: { type: "string" },
    "trace-rss": { type: "boolean", default: false },
  },
});
const regions = Number(flags.regions);
const runs = Number(flags.runs);
const nodeArgs = (flags["node-args"] ?? "").split(/\s+/).filter(Boolean);
const root = path.resolve(import.meta.dirname, "..");
const binOf = (checkout: string) => path.join(checkout, "bin", "region-gateway.js");
const token = `rgt_bench_${randomBytes(12).toString("hex")}`;
const secretKey = randomBytes(32).toString("hex");
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(path.join(tmpdir(), "rg-bench-import-"));
const startGateway = (bin: string, env: Record<string, string>) => launch({ work, token, secretKey, nodeArgs }, bin, env);
const status = statusMiB;

/** CPU per thread name (main thread, V8's workers: GC and compilers, libuv's pool), in ms */
function threadsCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const name = Number(tid) === pid ? "main" : comm;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks);
    } catch {}
  }
  return out;
}
/** The PostgreSQL processes an import makes work: the database's backends and the WAL writer, checkpointer, background writer. */
async function pgPids(admin: postgres.Sql, database: string): Promise<number[]> {
  const rows = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = ${database} or backend_type in ('walwriter', 'checkpointer', 'background writer')`;
  return rows.map((r) => r.pid);
}

interface Result {
  wallMs: number;
  gatewayCpuMs: number;
  pgCpuMs: number | null;
  walMiB: number | null;
  idle: number;
  peak: number;
  settled: number;
}

async function once(backend: "postgres" | "pglite", body: string, bin: string): Promise<Result> {
  const dir = mkdtempSync(path.join(work, "data-"));
  const env: Record<string, string> = { DATA_DIR: dir };
  let admin: postgres.Sql | null = null;
  const name = `rg_bench_${randomBytes(5).toString("hex")}`;
  if (backend === "postgres") {
    admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  }
  const gw = await startGateway(bin, env);
  try {
    await sleep(2_000);
    const idle = status(gw.pid, "VmRSS");
    writeFileSync(`/proc/${gw.pid}/clear_refs`, "5");
    const pids = admin ? await pgPids(admin, name) : [];
    const pgBefore = new Map(pids.map((p) => [p, cpuMs(p)]));
    const lsnBefore = admin ? (await admin<{ l: string }[]>`select pg_current_wal_lsn()::text as l`)[0]?.l : null;
    const gwBefore = cpuMs(gw.pid);
    const threadsBefore = threadsCpuMs(gw.pid);
    const t0 = performance.now();
    const samples: string[] = [];
    const sampler = flags["trace-rss"]
      ? setInterval(() => samples.push(`${f0(performance.now() - t0)}:${f0(status(gw.pid, "VmRSS"))}`), 50)
      : null;
    const res = await fetch(`${gw.url}/admin/v1/import?format=canonical`, {
      method: "POST",
      body,
      headers: { "X-Auth-Token": token },
    });
    const text = await res.text();
    const wallMs = performance.now() - t0;
    if (sampler) {
      clearInterval(sampler);
      process.stderr.write(`RSS (ms:MiB) ${samples.join(" ")}\n`);
    }
    if (res.status !== 200) throw new Error(`import answered ${res.status}: ${text.slice(0, 300)}`);
    const gatewayCpuMs = cpuMs(gw.pid) - gwBefore;
    const threads = [...threadsCpuMs(gw.pid)]
      .map(([k, v]) => [k, v - (threadsBefore.get(k) ?? 0)] as const)
      .filter(([, v]) => v > 0);
    process.stderr.write(`gateway CPU by thread: ${threads.map(([k, v]) => `${k} ${f0(v)} ms`).join(", ")}\n`);
    const peak = status(gw.pid, "VmHWM");
    let pgCpuMs: number | null = null;
    let walMiB: number | null = null;
    if (admin) {
      // backends opened during the import count from 0
      const after = await pgPids(admin, name);
      pgCpuMs = 0;
      for (const p of new Set([...pids, ...after])) pgCpuMs += cpuMs(p) - (pgBefore.get(p) ?? 0);
      const [d] = await admin<{ d: string }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsnBefore}::pg_lsn)::text as d`;
      walMiB = Number(d?.d) / 1048576;
    }
    await sleep(Number(flags.settle) * 1000);
    const settled = status(gw.pid, "VmRSS");
    if (flags["trace-rss"]) {
      // what the settled memory is made of (the gateway's own metrics: loopback, no token)
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      const pick = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(metrics)?.[1] ?? Number.NaN);
      const m = (b: number) => `${f0(b / 1048576)} MiB`;
      process.stderr.write(
        `settled: RSS ${f0(settled)} MiB (anon ${f0(status(gw.pid, "RssAnon"))}, file ${f0(status(gw.pid, "RssFile"))}), heap used ${m(pick("nodejs_heap_size_used_bytes"))} of ${m(pick("nodejs_heap_size_total_bytes"))}, external ${m(pick("nodejs_external_memory_bytes"))}\n`,
      );
    }
    return { wallMs, gatewayCpuMs, pgCpuMs, walMiB, idle, peak, settled };
  } finally {
    await gw.stop();
    if (admin) {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const body = documentOf(regions, "bulk");
const backends = (["postgres", "pglite"] as const).filter((b) => !flags.only || flags.only === b);
const lines = [
  `| backend | run | wall ms | gateway CPU ms | PostgreSQL CPU ms | WAL MiB | RSS idle | peak (+ over idle) | 5 s after (+ over idle) |`,
  "|---|---|---|---|---|---|---|---|---|",
];
const before = loadavg();
try {
  const checkouts = flags.compare
    ? [
        { label: path.basename(path.resolve(flags.compare)), bin: binOf(path.resolve(flags.compare)) },
        { label: "this", bin: binOf(root) },
      ]
    : [{ label: "", bin: binOf(root) }];
  for (const backend of backends) {
    const all = new Map<string, Result[]>(checkouts.map((c) => [c.label, []]));
    for (let i = 0; i < runs; i++) {
      for (const c of checkouts) {
        const r = await once(backend, body, c.bin);
        all.get(c.label)?.push(r);
        const row = `| ${backend}${c.label ? ` (${c.label})` : ""} | ${i + 1} | ${f0(r.wallMs)} | ${f0(r.gatewayCpuMs)} | ${r.pgCpuMs === null ? "—" : f0(r.pgCpuMs)} | ${r.walMiB === null ? "—" : r.walMiB.toFixed(1)} | ${f0(r.idle)} MiB | ${f0(r.peak)} (+${f0(r.peak - r.idle)}) MiB | ${f0(r.settled)} (+${f0(r.settled - r.idle)}) MiB |`;
        lines.push(row);
        process.stderr.write(`${row}\n`);
      }
    }
    if (runs > 1) {
      for (const c of checkouts) {
        const rs = all.get(c.label) ?? [];
        const m = (k: keyof Result) => median(rs.map((r) => (r[k] as number | null) ?? Number.NaN));
        lines.push(
          `| ${backend}${c.label ? ` (${c.label})` : ""} | median | ${f0(m("wallMs"))} | ${f0(m("gatewayCpuMs"))} | ${backend === "postgres" ? f0(m("pgCpuMs")) : "—"} | ${backend === "postgres" ? m("walMiB").toFixed(1) : "—"} | ${f0(m("idle"))} MiB | +${f0(median(rs.map((r) => r.peak - r.idle)))} MiB | +${f0(median(rs.map((r) => r.settled - r.idle)))} MiB |`,
        );
      }
    }
  }
  console.log(
    `import of ${f0(regions)} regions, ${(body.length / 1048576).toFixed(1)} MiB document${nodeArgs.length ? `, node ${nodeArgs.join(" ")}` : ""}\n`,
  );
  console.log(lines.join("\n"));
  const l = (x: number[]) => x.map((v) => v.toFixed(2)).join(", ");
  console.log(`\nload average ${l(before)} before, ${l(loadavg())} after`);
} finally {
  for (const f of readdirSync(work))
    if (f.endsWith(".log") && process.env.BENCH_KEEP_LOGS) process.stderr.write(readFileSync(path.join(work, f), "utf8"));
  rmSync(work, { recursive: true, force: true });
}
