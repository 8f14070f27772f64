import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layering of src/, read from the code's own imports (docs/design.md, "Layers"): which layer
 * may import which, the pure layers (adapters and the migration formats: no I/O, no clock, no
 * randomness, no environment), and config.ts as the only reader of process.env.
 */

const srcDir = path.join(import.meta.dirname, "..", "src");

type Layer =
  | "domain"
  | "config"
  | "log-sink"
  | "version"
  | "memory"
  | "db"
  | "adapters"
  | "migration"
  | "catalog"
  | "identity"
  | "import"
  | "http"
  | "cli"
  | "server"
  | "main";

/** Each file's layer: a folder of src/, or one of the files named here. */
function layerOf(file: string): Layer | undefined {
  // applying an import plan writes through the catalogue: above it, apart from the pure formats
  if (file === "migration/apply.ts") return "import";
  const folder = file.includes("/") ? file.split("/")[0] : undefined;
  const folders: Record<string, Layer> = {
    domain: "domain",
    db: "db",
    adapters: "adapters",
    migration: "migration",
    catalog: "catalog",
    identity: "identity",
    http: "http",
    cli: "cli",
  };
  const files: Record<string, Layer> = {
    "config.ts": "config",
    "log-sink.ts": "log-sink",
    "version.ts": "version",
    "memory.ts": "memory",
    "server.ts": "server",
    "main.ts": "main",
  };
  return folder === undefined ? files[file] : folders[folder];
}

/** The layers each layer may import besides itself: dependencies point inward, to the domain. */
const mayImport: Record<Layer, readonly Layer[]> = {
  domain: [],
  config: [],
  "log-sink": [],
  version: [],
  memory: [],
  db: ["domain"],
  adapters: ["domain"],
  migration: ["adapters", "domain"],
  catalog: ["db", "domain"],
  identity: ["catalog", "db", "domain"],
  import: ["catalog", "migration", "domain"],
  http: ["adapters", "catalog", "domain", "identity", "import", "migration"],
  cli: ["config", "db", "domain", "migration"],
  server: ["catalog", "config", "db", "domain", "http", "identity", "log-sink", "memory", "version"],
  main: ["cli", "server", "version"],
};

/** Layers that are pure functions: they, and every module they run, do no I/O and read no clock. */
const pureLayers: ReadonlySet<Layer> = new Set(["adapters", "migration"]);
/** The only packages a pure module, or a module it runs, imports. */
const purePackages: ReadonlySet<string> = new Set(["zod"]);

/** Packages that belong to one layer. */
const packageOwners: { pattern: RegExp; layer: Layer; what: string }[] = [
  { pattern: /^(drizzle-orm|drizzle-kit|postgres)($|\/)|^@electric-sql\/pglite($|\/)/, layer: "db", what: "the database" },
  { pattern: /^hono($|\/)|^@hono\//, layer: "http", what: "hono" },
];

/** Every module specifier a file names: static imports and re-exports, side-effect imports, import(), require(). */
function specifiers(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const patterns = [
    /\b(?:import|export)\s+(type\s+)?[^'"`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*()["']([^"']+)["']/g,
    /\bimport\s*\(\s*()["'`]([^"'`]+)["'`]\s*\)/g,
    /\brequire\s*\(\s*()["'`]([^"'`]+)["'`]\s*\)/g,
  ];
  for (const p of patterns) {
    for (const m of source.matchAll(p)) if (m[2]) found.push({ specifier: m[2], typeOnly: Boolean(m[1]) });
  }
  return found;
}

/** A relative specifier as a path under src/ (posix), or null for a package. */
function resolve(file: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
}

/** The imports of `file` (a path under src/) that break the layer table. */
function layerViolations(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (layer === undefined) return [`${file}: in no layer (give it one in test/architecture.test.ts)`];
  const bad: string[] = [];
  for (const { specifier } of specifiers(source)) {
    const target = resolve(file, specifier);
    if (target === null) {
      const owner = packageOwners.find((o) => o.pattern.test(specifier));
      if (owner && owner.layer !== layer) bad.push(`${file} → ${specifier}: only ${owner.layer}/ imports ${owner.what}`);
      else if (pureLayers.has(layer) && !purePackages.has(specifier))
        bad.push(`${file} → ${specifier}: a pure module imports only zod`);
      continue;
    }
    const to = layerOf(target);
    if (to === undefined) bad.push(`${file} → ${specifier}: outside src/ or in no layer`);
    else if (to !== layer && !mayImport[layer].includes(to)) bad.push(`${file} → ${specifier}: ${layer} may not import ${to}`);
  }
  return bad;
}

/** Names that reach the clock, randomness, timers, the network or the process when used as values. */
const impureNames = new Set([
  "process",
  "crypto",
  "fetch",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "performance",
  "randomBytes",
  "randomUUID",
  "randomInt",
  "randomFill",
  "randomFillSync",
  "getRandomValues",
]);

/** Is this identifier a reference to a value (not a property name, a key or a declaration's name)? */
function isReference(n: ts.Identifier): boolean {
  const p = n.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === n) return false;
  if (ts.isQualifiedName(p) && p.right === n) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p)) && p.name === n) return false;
  if ((ts.isMethodDeclaration(p) || ts.isMethodSignature(p) || ts.isFunctionDeclaration(p)) && p.name === n) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.name === n) return false;
  if (ts.isBindingElement(p) && p.propertyName === n) return false;
  if (ts.isTypeReferenceNode(p) || ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) return false;
  return true;
}

/** What in a pure module's source reads the clock, draws random numbers or reaches the process. */
function impurities(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const bad: string[] = [];
  const at = (n: ts.Node, what: string) =>
    bad.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${what}`);
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression)) {
      const call = `${n.expression.text}.${n.name.text}`;
      if (call === "Date.now" || call === "Math.random") at(n, call);
    }
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Date" && !n.arguments?.length) {
      at(n, "new Date() (the clock)");
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Date") at(n, "Date() (the clock)");
    if (ts.isIdentifier(n) && impureNames.has(n.text) && isReference(n)) at(n, n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return bad;
}

/** Where a source reads the environment: process.env, process["env"], `{ env } = process`, node:process. */
function environmentReads(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const bad: string[] = [];
  const at = (n: ts.Node, what: string) =>
    bad.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${what}`);
  const isProcess = (e: ts.Expression) => ts.isIdentifier(e) && e.text === "process";
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && isProcess(n.expression) && n.name.text === "env") at(n, "process.env");
    if (ts.isElementAccessExpression(n) && isProcess(n.expression) && !ts.isNumericLiteral(n.argumentExpression)) {
      at(n, "process[…]");
    }
    if (ts.isVariableDeclaration(n) && n.initializer && isProcess(n.initializer) && ts.isObjectBindingPattern(n.name)) {
      at(n, "destructures process");
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  for (const { specifier } of specifiers(source)) {
    if (/^(node:)?process$/.test(specifier)) bad.push(`${file}: imports ${specifier}`);
  }
  return bad;
}

const files = (readdirSync(srcDir, { recursive: true }) as string[])
  .map((f) => f.split(path.sep).join("/"))
  .filter((f) => /\.[cm]?[jt]s$/.test(f))
  .sort();
const sources = new Map(files.map((f) => [f, readFileSync(path.join(srcDir, f), "utf8")]));
const sourceOf = (f: string): string => sources.get(f) ?? "";

/** The modules `file` runs: its imports that are not type-only, and theirs, within src/. */
function runtimeClosure(file: string): string[] {
  const seen = new Set<string>([file]);
  const queue = [file];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    for (const { specifier, typeOnly } of specifiers(sourceOf(f))) {
      const target = resolve(f, specifier);
      if (target !== null && !typeOnly && sources.has(target) && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

describe("the import scanner", () => {
  it("reads every form of import (so the real checks can fail)", () => {
    const sample = [
      'import { Hono } from "hono";',
      "import type { Context } from 'hono';",
      'import { eq } from "drizzle-orm";',
      'import postgres from "postgres";',
      'import { PGlite } from "@electric-sql/pglite";',
      'import { readFileSync } from "node:fs";',
      'import * as fs from "fs/promises";',
      'import "node:net";',
      'const http = await import("node:http");',
      'const r = require("../db/client.ts");',
      'export { x } from "../http/app.ts";',
      'import {\n  a,\n  b,\n} from "../db/regions-repo.ts";',
    ].join("\n");
    expect(specifiers(sample).map((s) => s.specifier)).toEqual(
      expect.arrayContaining(["hono", "drizzle-orm", "postgres", "node:fs", "fs/promises", "node:net", "node:http"]),
    );
    expect(specifiers(sample)).toHaveLength(12);
    expect(specifiers(sample).filter((s) => s.typeOnly)).toEqual([{ specifier: "hono", typeOnly: true }]);
    // every line breaks the adapters' rules
    expect(layerViolations("adapters/sample.ts", sample)).toHaveLength(12);
    expect(
      layerViolations(
        "adapters/ok.ts",
        'import { z } from "zod";\nimport { GatewayError } from "../domain/errors.ts";\nimport { x } from "./rainbond-fields.ts";',
      ),
    ).toEqual([]);
  });

  it("places imports in the layer table", () => {
    expect(layerViolations("http/x.ts", 'import type { Database } from "../db/client.ts";')).toEqual([
      "http/x.ts → ../db/client.ts: http may not import db",
    ]);
    expect(layerViolations("catalog/x.ts", 'import { planImport } from "../migration/plan.ts";')).toHaveLength(1);
    expect(layerViolations("catalog/x.ts", 'import { toKeystoneRegion } from "../adapters/keystone.ts";')).toHaveLength(1);
    expect(layerViolations("migration/x.ts", 'import { importDocument } from "./apply.ts";')).toHaveLength(1);
    expect(layerViolations("migration/apply.ts", 'import type { Catalog } from "../catalog/service.ts";')).toEqual([]);
    expect(layerViolations("catalog/x.ts", 'import { sql } from "drizzle-orm";')).toHaveLength(1);
    expect(layerViolations("newfolder/x.ts", "")).toHaveLength(1);
  });

  it("finds the clock, randomness and the process in a source, not in names that only look alike", () => {
    const sample = [
      "const a = Date.now();",
      "const b = new Date();",
      "const c = Date();",
      "const d = Math.random();",
      "const e = crypto.randomUUID();",
      'import { randomBytes } from "node:crypto"; randomBytes(4);',
      "setTimeout(() => {}, 1);",
      "const f = performance.now();",
      "const g = process.argv;",
      "await fetch(url);",
    ].join("\n");
    expect(impurities("sample.ts", sample)).toHaveLength(10);
    const ok = [
      "const at = new Date(given).toISOString();",
      "const o = { process: 1, fetch: 2 }; o.process; o.setTimeout;",
      "interface R { crypto: string; now(): number }",
      "function f(o: { randomBytes: number }) { return o.randomBytes; }",
      "// Date.now() in a comment, and in a string:",
      'const s = "Math.random()";',
    ].join("\n");
    expect(impurities("ok.ts", ok)).toEqual([]);
  });

  it("finds every way of reading the environment", () => {
    const sample = [
      "const a = process.env.PORT;",
      'const b = process["env"];',
      "const { env } = process;",
      'import { env as e } from "node:process";',
    ].join("\n");
    expect(environmentReads("sample.ts", sample)).toHaveLength(4);
    expect(environmentReads("ok.ts", "process.stdout.write(x); process.exitCode = 1; const p = process.argv[2];")).toEqual([]);
  });
});

describe("the layering of src/", () => {
  it("finds the source tree", () => {
    expect(files).toEqual(expect.arrayContaining(["config.ts", "adapters/keystone.ts", "catalog/service.ts", "http/app.ts"]));
  });

  it("every import follows the layer table (dependencies point inward)", () => {
    expect(files.flatMap((f) => layerViolations(f, sourceOf(f)))).toEqual([]);
  });

  it("http never imports db", () => {
    const bad = files
      .filter((f) => layerOf(f) === "http")
      .flatMap((f) => specifiers(sourceOf(f)).map((s) => `${f} → ${resolve(f, s.specifier)}`))
      .filter((edge) => / → db\//.test(edge));
    expect(bad).toEqual([]);
  });

  it("the catalogue never imports adapters or migration", () => {
    const bad = files
      .filter((f) => layerOf(f) === "catalog")
      .flatMap((f) => specifiers(sourceOf(f)).map((s) => `${f} → ${resolve(f, s.specifier)}`))
      .filter((edge) => / → (adapters|migration)\//.test(edge));
    expect(bad).toEqual([]);
  });

  it("adapters and the migration formats stay pure: no I/O, no clock, no randomness, in them or in what they run", () => {
    const pure = files.filter((f) => pureLayers.has(layerOf(f) as Layer));
    expect(pure).toEqual(expect.arrayContaining(["adapters/keystone.ts", "migration/parse.ts"]));
    expect(pure).not.toContain("migration/apply.ts");
    const reached = [...new Set(pure.flatMap(runtimeClosure))];
    const bad = reached.flatMap((f) => [
      ...impurities(f, sourceOf(f)),
      ...specifiers(sourceOf(f))
        .filter((s) => resolve(f, s.specifier) === null && !s.typeOnly && !purePackages.has(s.specifier))
        .map((s) => `${f} → ${s.specifier}: run by a pure module`),
    ]);
    expect(bad).toEqual([]);
  });

  it("only config.ts reads the environment", () => {
    const bad = files.filter((f) => f !== "config.ts").flatMap((f) => environmentReads(f, sourceOf(f)));
    expect(bad).toEqual([]);
    expect(environmentReads("config.ts", sourceOf("config.ts")).length).toBeGreaterThan(0);
  });
});
