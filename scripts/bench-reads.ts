/**
 * Read-path benchmark: the real gateway process on a fresh embedded database (or DATABASE_URL),
 * N regions, autocannon from this process. Prints requests/s per path and the ratio to /healthz
 * (the same server answering a fixed body), so figures compare within one run.
 *
 *   npx tsx scripts/bench-reads.ts [regions=200] [seconds=5] [connections=50]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/bench-reads.ts …
 *     (PostgreSQL: a throw-away database is created beside the one named, and dropped)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import postgres from "postgres";
import { startGateway, stopGateway } from "../test/support/process.ts";

const [regions = 200, seconds = 5, connections = 50] = process.argv.slice(2).map(Number);
const token = "bench-admin-token";
const dataDir = mkdtempSync(path.join(tmpdir(), "rg-bench-"));
const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_TOKEN: token, LOG_LEVEL: "warn" };
const adminUrl = process.env.BENCH_DATABASE_URL;
const dbName = `rg_bench_${process.pid}`;
if (adminUrl) {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  Object.assign(env, { DATABASE_URL: url.toString(), SECRET_KEY: "ab".repeat(32) });
}
const gw = await startGateway(env);
try {
  for (let i = 0; i < regions; i++) {
    const res = await fetch(`${gw.url}/openapi/v2/manage/regions`, {
      method: "POST",
      headers: { Authorization: token, "Content-Type": "application/json" },
      body: JSON.stringify({
        region_name: `bench-${i}`,
        region_alias: `区域 ${i}`,
        url: `https://10.0.${i >> 8}.${i & 255}:8443`,
        wsurl: `wss://10.0.${i >> 8}.${i & 255}:6060`,
        httpdomain: `apps${i}.example.com`,
        tcpdomain: `10.0.${i >> 8}.${i & 255}`,
        scope: i % 3 === 0 ? "private" : "public",
      }),
    });
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${await res.text()}`);
  }
  const paths: Array<[string, Record<string, string>]> = [
    ["/healthz", {}],
    ["/v3/regions", { "X-Auth-Token": token }],
    ["/v3/regions/bench-7", { "X-Auth-Token": token }],
    ["/openapi/v1/regions", { Authorization: token }],
    ["/openapi/v2/manage/regions?current=1&pageSize=20", { Authorization: token }],
  ];
  const rows: Array<{ path: string; rps: number; p99: number; errors: number }> = [];
  for (const [p, headers] of paths) {
    const r = await autocannon({ url: `${gw.url}${p}`, headers, connections, duration: seconds });
    rows.push({ path: p, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx });
  }
  const base = rows[0]?.rps ?? 1;
  console.log(
    `regions=${regions} seconds=${seconds} connections=${connections} database=${env.DATABASE_URL ? "postgres" : "pglite"}`,
  );
  for (const r of rows) {
    console.log(
      `${r.path.padEnd(52)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  ratio ${(r.rps / base).toFixed(2)}  errors ${r.errors}`,
    );
  }
} finally {
  await stopGateway(gw);
  rmSync(dataDir, { recursive: true, force: true });
  if (adminUrl) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}
