#!/usr/bin/env node
// Compiles src/ to dist/ (tsc with tsconfig.build.json): `npm run build`, run by `npm ci` through
// `prepare`. The new tree is written beside dist/ and swapped in whole, so a gateway started from
// dist/ never loads half of an old build and half of a new one. `--if-stale` (the test suite's
// global setup) rebuilds only when a source file is newer than the last build.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
/** written last, dated when the build started: any source saved after that is newer */
const stamp = path.join(dist, ".built");
const inputs = ["src", "drizzle", "tsconfig.json", "tsconfig.build.json"];
/** the migrated embedded database that new data directories copy (src/db/pglite.ts) */
const templateName = "pglite-template";
const templateInfo = "region-gateway-template.json";

function newest(...names) {
  let newest = 0;
  const visit = (p) => {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const i of names) visit(path.join(root, i));
  return newest;
}

function pgliteVersion() {
  let dir = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    if (pkg.name === "@electric-sql/pglite") return pkg.version;
  }
  return "unknown";
}

/** A template made by this PGlite after the last change of the migrations (or of its maker) can be kept. */
function templateIsCurrent(dir) {
  const file = path.join(dir, templateInfo);
  const s = statSync(file, { throwIfNoEntry: false });
  if (!s || s.mtimeMs < newest("drizzle", "src/db/pglite.ts", "scripts/make-template.mjs")) return false;
  return JSON.parse(readFileSync(file, "utf8")).pglite === pgliteVersion();
}

/** True when dist/ is missing or older than a source file or a migration. */
export function isStale() {
  const built = statSync(stamp, { throwIfNoEntry: false });
  return !built || newest(...inputs) > built.mtimeMs || !templateIsCurrent(path.join(dist, templateName));
}

export function build() {
  const started = new Date();
  const out = `${dist}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", out], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${r.status ?? r.signal})`);
  }
  // the template: kept from the last build while the migrations and PGlite are unchanged, else
  // made by the modules just compiled (a child process: PGlite's initdb peaks at ~800 MiB)
  const oldTemplate = path.join(dist, templateName);
  if (templateIsCurrent(oldTemplate)) cpSync(oldTemplate, path.join(out, templateName), { recursive: true });
  else {
    const made = spawnSync(process.execPath, [path.join(root, "scripts", "make-template.mjs"), out], {
      cwd: root,
      stdio: "inherit",
    });
    if (made.status !== 0) {
      rmSync(out, { recursive: true, force: true });
      throw new Error(`making the PGlite template failed (exit ${made.status ?? made.signal})`);
    }
  }
  const outStamp = path.join(out, ".built");
  writeFileSync(outStamp, `${started.toISOString()}\n`);
  utimesSync(outStamp, started, started);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(out, dist);
  rmSync(old, { recursive: true, force: true });
}

/** Rebuilds dist/ when stale; one builder at a time per checkout (others wait, then re-check). */
export async function buildIfStale() {
  const lock = `${dist}.lock`;
  for (;;) {
    if (!isStale()) return false;
    try {
      mkdirSync(lock);
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      // a builder that died long ago left its lock: take it over
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (!isStale()) return false;
      build();
      return true;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

// `node scripts/build.mjs` builds; `node scripts/build.mjs --if-stale` only when a source is newer
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes("--if-stale")) await buildIfStale();
    else build();
  } catch (e) {
    process.stderr.write(`build: ${e.message}\n`);
    process.exit(1);
  }
}
