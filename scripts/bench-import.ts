/**
 * Measures one import of N regions (default 10,000) into a real gateway process, on the embedded
 * database (PGlite, a new data directory) or on PostgreSQL (a throw-away database):
 *
 *   npx tsx scripts/bench-import.ts pglite [N]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/bench-import.ts postgres [N]
 *
 * The document is canonical (every field: endpoints, certificates, secrets, locales, extras, and a
 * hierarchy of 1 parent per 10 regions, children listed before their parents). Times are wall
 * clock seen by the client; memory is the gateway process's resident set (VmRSS before, VmHWM peak).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";

const backend = process.argv[2] ?? "pglite";
const count = Number(process.argv[3] ?? 10_000);
const token = randomBytes(16).toString("hex");
const bin = path.resolve(import.meta.dirname, "../bin/region-gateway.js");

function documentOf(n: number): string {
  const regions = [];
  for (let i = n - 1; i >= 0; i--) {
    const parent = i % 10 === 0 ? null : `bench-${String(i - (i % 10)).padStart(5, "0")}`;
    regions.push({
      name: `bench-${String(i).padStart(5, "0")}`,
      alias: `区域 ${i}`,
      locales: { "en-us": `Region ${i}`, "pt-br": `Região ${i}` },
      description: `benchmark region ${i}`,
      scope: i % 3 === 0 ? "private" : "public",
      status: "enabled",
      parentName: parent,
      apiUrl: `https://r${i}.example.com:8443`,
      wsUrl: `wss://r${i}.example.com:6060`,
      httpDomain: `apps${i}.example.com`,
      tcpDomain: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      caCert: `-----BEGIN CERTIFICATE-----\n${"C".repeat(1200)}\n-----END CERTIFICATE-----`,
      clientCert: `-----BEGIN CERTIFICATE-----\n${"D".repeat(1200)}\n-----END CERTIFICATE-----`,
      clientKey: `-----BEGIN PRIVATE KEY-----\n${"K".repeat(1600)}\n-----END PRIVATE KEY-----`,
      regionToken: randomBytes(20).toString("hex"),
      enterpriseId: "ent-bench",
      extra: { tier: i % 2 ? "gold" : "silver" },
    });
  }
  return JSON.stringify(regions);
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, "serve"], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ADMIN_TOKEN: token, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /"port":(\d+)[^\n]*region-gateway listening/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
  child.stdout?.resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  console.log(`${label.padEnd(44)} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return result;
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-bench-"));
  let dbName: string | null = null;
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const env: Record<string, string> = { DATA_DIR: dataDir, SECRET_KEY: randomBytes(32).toString("hex") };
  if (backend === "postgres") {
    dbName = `rg_bench_${randomBytes(4).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
  }
  const body = documentOf(count);
  console.log(
    `backend ${backend}, ${count} regions, document ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(1)} MiB (canonical)`,
  );
  const gw = await start(env);
  const pid = gw.child.pid as number;
  const before = memory(pid);
  const post = async (query: string) => {
    const res = await fetch(`${gw.url}/admin/v1/import?format=canonical${query}`, {
      method: "POST",
      body,
      headers: { "X-Auth-Token": token },
    });
    const report = (await res.json()) as { summary: Record<string, number> };
    if (res.status !== 200) throw new Error(`import answered ${res.status}: ${JSON.stringify(report).slice(0, 300)}`);
    return report.summary;
  };
  try {
    console.log(`gateway idle: RSS ${before.rss.toFixed(0)} MiB`);
    console.log(JSON.stringify(await timed("dry run (plan only)", () => post("&dry_run=true"))));
    console.log(JSON.stringify(await timed("import: create all", () => post(""))));
    const afterCreate = memory(pid);
    console.log(JSON.stringify(await timed("import again: all unchanged, nothing written", () => post(""))));
    await timed("export keystone", async () =>
      (await fetch(`${gw.url}/admin/v1/export?format=keystone`, { headers: { "X-Auth-Token": token } })).text(),
    );
    await timed("export rainbond with secrets", async () =>
      (
        await fetch(`${gw.url}/admin/v1/export?format=rainbond&include_secrets=true`, { headers: { "X-Auth-Token": token } })
      ).text(),
    );
    const end = memory(pid);
    console.log(`gateway RSS after the import ${afterCreate.rss.toFixed(0)} MiB; peak RSS (VmHWM) ${end.peak.toFixed(0)} MiB`);
  } finally {
    gw.child.kill("SIGTERM");
    await new Promise((r) => gw.child.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
    if (dbName) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

await main();
