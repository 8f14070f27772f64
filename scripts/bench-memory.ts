import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { documentOf } from "./bench-document.ts";
import {
  cpuMs,
  importDocument as importBody,
  startGateway as launch,
  newPlace,
  type Place,
  sleep,
  statusMiB,
} from "./bench-process.ts";

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
const startGateway = (bin: string, env: Record<string, string>) => launch({ work, token, secretKey }, bin, env);
const status = statusMiB;
const importDocument = (url: string, body: string) => importBody(url, token, body);

/** A place holding the bench's documents: 100 regions, and `size` more when given. */
async function filledPlace(backend: "pglite" | "postgres", size: number): Promise<Place> {
  const place = await newPlace(backend, work, adminUrl);
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
