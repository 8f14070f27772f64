/**
 * The read hot path against its ceiling: each path of the real gateway process (request logging
 * on at `info`, lines written to a file as a service manager would) next to a bare `node:http`
 * server, in its own process, sending the same status, headers and bytes. Same run, alternated
 * rounds, so the ratio holds on a shared machine; the median of the rounds is printed, with the
 * processes' CPU time per request (the steadier figure when neighbours load the machine).
 *
 *   npx tsx scripts/bench-hot-path.ts [regions=100] [seconds=3] [connections=50] [rounds=5]
 *   BENCH_COMPARE=/path/to/other/checkout npx tsx scripts/bench-hot-path.ts …
 *     (a second gateway from another checkout, e.g. a patched copy, in the same rounds;
 *     BENCH_COMPARE_NODE_ARGS: node options for that one alone, e.g. to try a V8 flag)
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx scripts/bench-hot-path.ts …  (a CPU profile)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { binPath } from "../test/support/process.ts";

const [regions = 100, seconds = 3, connections = 50, rounds = 5] = process.argv.slice(2).map(Number);
const token = "bench-admin-token";
const dir = mkdtempSync(path.join(tmpdir(), "rg-hot-"));
const children: ChildProcess[] = [];

/** Starts a node process whose stdout goes to `file`; resolves with the port it prints. */
async function startProcess(args: string[], env: Record<string, string>, file: string, pattern: RegExp) {
  const fd = openSync(file, "w");
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", fd, fd] });
  children.push(child);
  closeSync(fd);
  for (let waited = 0; waited < 120_000; waited += 100) {
    const m = pattern.exec(readFileSync(file, "utf8"));
    if (m) return { child, url: `http://127.0.0.1:${m[1]}` };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`did not start:\n${readFileSync(file, "utf8")}`);
}

const bareServer = `
const http = require("node:http");
const fs = require("node:fs");
const { status, headers, body } = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const bytes = Buffer.from(body, "base64");
const server = http.createServer((req, res) => { res.writeHead(status, headers); res.end(bytes); });
server.listen(0, "127.0.0.1", () => console.log("bare listening on " + server.address().port));
`;

/** CPU time (user + system, all threads) a process has used, in microseconds (Linux /proc). */
const cpuMicros = (pid: number | undefined): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks (USER_HZ = 100)
};

/** req/s and p99 under load, and the server's CPU time per request. */
const run = async (url: string, headers: Record<string, string>, pid: number | undefined) => {
  const before = cpuMicros(pid);
  const r = await autocannon({ url, headers, connections, duration: seconds });
  const cpu = (cpuMicros(pid) - before) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx, cpu };
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function startGateway(name: string, bin: string, nodeArgs = process.env.BENCH_NODE_ARGS) {
  const g = await startProcess(
    [...(nodeArgs?.split(" ").filter(Boolean) ?? []), bin, "serve"],
    { DATA_DIR: path.join(dir, `data-${name}`), ADMIN_TOKEN: token, LOG_LEVEL: "info", HOST: "127.0.0.1", PORT: "0" },
    path.join(dir, `${name}.log`),
    /"port":(\d+)[^\n]*region-gateway listening/,
  );
  for (let i = 0; i < regions; i++) {
    const res = await fetch(`${g.url}/v3/regions`, {
      method: "POST",
      headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
      body: JSON.stringify({ region: { id: `bench-${i}`, description: `Bench region ${i}`, type: "public" } }),
    });
    if (res.status !== 201) throw new Error(`seed failed: ${res.status} ${await res.text()}`);
  }
  return { name, ...g, log: path.join(dir, `${name}.log`) };
}

try {
  const gateways = [await startGateway("this", binPath)];
  const compare = process.env.BENCH_COMPARE;
  if (compare)
    gateways.push(
      await startGateway(
        "compare",
        path.join(path.resolve(compare), "bin/region-gateway.js"),
        process.env.BENCH_COMPARE_NODE_ARGS ?? process.env.BENCH_NODE_ARGS,
      ),
    );
  const paths = process.env.BENCH_PATHS?.split(",") ?? ["/v3/regions", "/v3/regions/bench-7"];
  console.log(`regions=${regions} seconds=${seconds} connections=${connections} rounds=${rounds}`);
  console.log("| path | gateway | req/s | ratio to bare: median (each round) | p99 ms (worst round) | CPU µs/request (bare) |");
  console.log("|---|---|---|---|---|---|");
  for (const p of paths) {
    const headers = { "X-Auth-Token": token };
    const sample = await fetch(`${gateways[0]?.url}${p}`, { headers });
    const answer = {
      status: sample.status,
      headers: Object.fromEntries([...sample.headers].filter(([k]) => !["date", "connection", "keep-alive"].includes(k))),
      body: Buffer.from(await sample.arrayBuffer()).toString("base64"),
    };
    const answerFile = path.join(dir, "answer.json");
    writeFileSync(answerFile, JSON.stringify(answer));
    const bare = await startProcess(["-e", bareServer, answerFile], {}, path.join(dir, "bare.log"), /bare listening on (\d+)/);
    try {
      const bareRuns: Array<Awaited<ReturnType<typeof run>>> = [];
      const gwRuns = gateways.map(() => [] as Array<Awaited<ReturnType<typeof run>>>);
      for (let round = 0; round < rounds; round++) {
        bareRuns.push(await run(`${bare.url}${p}`, headers, bare.child.pid));
        for (const [i, g] of gateways.entries()) gwRuns[i]?.push(await run(`${g.url}${p}`, headers, g.child.pid));
      }
      console.log(
        `| \`${p}\` | bare node:http | ${median(bareRuns.map((r) => r.rps)).toFixed(0)} | 1 | ${Math.max(...bareRuns.map((r) => r.p99))} | ${median(bareRuns.map((r) => r.cpu)).toFixed(0)} (1) |`,
      );
      for (const [i, g] of gateways.entries()) {
        const runs = gwRuns[i] ?? [];
        const ratios = runs.map((r, round) => r.rps / (bareRuns[round]?.rps ?? 1));
        const cpu = median(runs.map((r) => r.cpu));
        const bareCpu = median(bareRuns.map((r) => r.cpu));
        console.log(
          `| \`${p}\` | ${g.name} | ${median(runs.map((r) => r.rps)).toFixed(0)} | ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(", ")}) | ${Math.max(...runs.map((r) => r.p99))} | ${cpu.toFixed(0)} (${(bareCpu / cpu).toFixed(2)}) |`,
        );
        const errors = runs.reduce((n, r) => n + r.errors, 0);
        if (errors > 0) console.log(`  ${g.name}: ${errors} errors or non-2xx answers`);
      }
    } finally {
      bare.child.kill("SIGTERM");
    }
  }
  for (const g of gateways) {
    const lines = readFileSync(g.log, "utf8")
      .split("\n")
      .filter((l) => l.includes('"msg":"request"')).length;
    console.log(`${g.name}: request log lines written: ${lines}`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
