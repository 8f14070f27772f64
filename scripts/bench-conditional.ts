/**
 * A console polling its regions: the full list against the same list with If-None-Match (304),
 * back to back in one run on the real gateway process (embedded database), autocannon from this
 * process. Prints requests/s, bytes/s and the ratio of each 304 run to its full-list run.
 *
 *   npx tsx scripts/bench-conditional.ts [regions=200] [seconds=5] [connections=20]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { startGateway, stopGateway } from "../test/support/process.ts";

const [regions = 200, seconds = 5, connections = 20] = process.argv.slice(2).map(Number);
const token = "bench-admin-token";
const dataDir = mkdtempSync(path.join(tmpdir(), "rg-bench-"));
const gw = await startGateway({ DATA_DIR: dataDir, ADMIN_TOKEN: token, LOG_LEVEL: "warn" });
try {
  for (let i = 0; i < regions; i++) {
    const ip = `10.0.${i >> 8}.${i & 255}`;
    const res = await fetch(`${gw.url}/openapi/v2/manage/regions`, {
      method: "POST",
      headers: { Authorization: token, "Content-Type": "application/json" },
      body: JSON.stringify({
        region_name: `bench-${i}`,
        region_alias: `区域 ${i}`,
        url: `https://${ip}:8443`,
        wsurl: `wss://${ip}:6060`,
        httpdomain: `apps${i}.example.com`,
        tcpdomain: ip,
      }),
    });
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${await res.text()}`);
  }
  const lists: Array<[string, Record<string, string>]> = [
    ["/openapi/v2/manage/regions?current=0", { Authorization: token }],
    ["/openapi/v1/regions", { Authorization: token }],
    ["/v3/regions", { "X-Auth-Token": token }],
  ];
  console.log(`regions=${regions} seconds=${seconds} connections=${connections} database=pglite`);
  for (const [p, headers] of lists) {
    const etag = (await fetch(`${gw.url}${p}`, { headers })).headers.get("ETag") ?? "";
    const run = async (extra: Record<string, string>, expected: number) => {
      const r = await autocannon({ url: `${gw.url}${p}`, headers: { ...headers, ...extra }, connections, duration: seconds });
      const wrong = r.non2xx - (expected === 304 ? r["3xx"] : 0);
      return { rps: r.requests.average, bytes: r.throughput.average, p99: r.latency.p99, errors: r.errors + wrong };
    };
    const full = await run({}, 200);
    const cond = await run({ "If-None-Match": etag }, 304);
    const line = (label: string, x: typeof full) =>
      `${label.padEnd(58)} ${x.rps.toFixed(0).padStart(7)} req/s ${(x.bytes / 1e6).toFixed(1).padStart(6)} MB/s  p99 ${String(x.p99).padStart(4)} ms  errors ${x.errors}`;
    console.log(line(`${p} (200)`, full));
    console.log(`${line(`${p} If-None-Match (304)`, cond)}  ratio ${(cond.rps / full.rps).toFixed(2)}`);
  }
} finally {
  await stopGateway(gw);
  rmSync(dataDir, { recursive: true, force: true });
}
