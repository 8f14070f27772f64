import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { environmentVariables } from "../src/config.ts";
import { createMetrics } from "../src/http/metrics.ts";
import { type RunningGateway, startGateway, stopGateway } from "./support/process.ts";

const root = path.resolve(import.meta.dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

interface Block {
  lang: string;
  code: string;
  heading: string;
  index: number;
}

function codeBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let heading = "";
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of text.split("\n")) {
    if (open) {
      if (line === "```") {
        blocks.push({ lang: open.lang, code: open.lines.join("\n"), heading, index: blocks.length + 1 });
        open = null;
      } else open.lines.push(line);
    } else if (line.startsWith("```")) open = { lang: line.slice(3).trim(), lines: [] };
    else if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "");
  }
  return blocks;
}

/** Blocks the test cannot run, and why: every other block runs. */
function notRunnable(b: Block): string | null {
  if (b.code.includes("npm ci && npm start"))
    return "the quick start installs, starts a gateway on port 8080 in the foreground and runs the whole suite; this test starts the same `serve` process on a free port instead";
  if (b.code.includes("scripts/bench-") || b.code.includes("npm run bench")) return "a benchmark: minutes of load, run by hand";
  if (b.code.includes("npm pack"))
    return "installs the package under /opt as root; test/package.test.ts packs and installs it into a temporary directory";
  if (b.lang === "text") return "a listing, not a command";
  if (b.lang === "yaml") return "Prometheus configuration, not a command (its metric names are checked below)";
  if (b.lang === "ini") return "a systemd unit file, not a command";
  return null;
}

/** What a block's output must show, beyond exiting 0 (keyed by a line of the block). */
const expectations: [string, RegExp][] = [
  ["help import", /Without a command it runs `serve`[\s\S]*Usage: region-gateway import[\s\S]*\n\d+\.\d+\.\d+\n$/],
  ['"region_name":"rbd-east"', /"region_name":"rbd-east"[\s\S]*"region_name":"cn-north-1"/],
  ["credentials revoke", /revoked [0-9a-f]+/],
  ["node list-regions.cjs", /^cn-north-1 public updated$/m],
  ["--os-password", /cn-north-1/],
  ["grctl/ip", /"msg_show":"更新成功"[\s\S]*"expiring_within_days":30[\s\S]*412\n304\n$/],
  ["--source-format rainbond --dry-run", /0 rejected; dry run: nothing written[\s\S]*0 rejected; nothing to write/],
];

const blocks = codeBlocks(readme);
const manageToken = "readme-manage-token";

// The README followed to the letter, top to bottom, as a newcomer in the checkout would: one real
// gateway started as the quick start starts it (no ADMIN_TOKEN: the examples read data/admin-token,
// with MANAGE_TOKEN set, which must not stop that file from being written); each shell block in a
// fresh `bash -euo pipefail` from a directory laid out like the checkout (its `bin` and
// `node_modules`); curl failing on HTTP errors. Only the gateway's address and the two placeholder
// hosts (a Rainbond console and a Keystone) are replaced, by the gateway itself; MANAGE_TOKEN and
// IAM_TOKEN, which the reader brings, are its manage token and its admin token.
describe("README code blocks, run as written", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rg-readme-"));
  let gw: RunningGateway;
  let adminToken = "";
  const substitute = (code: string) =>
    code.replaceAll("http://127.0.0.1:8080", gw.url).replace(/https:\/\/(console|iam)\.example\.com/g, gw.url);

  beforeAll(async () => {
    symlinkSync(path.join(root, "bin"), path.join(dir, "bin"));
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    // ./data does not exist yet: the gateway makes it, its embedded database a copy of the build's template
    gw = await startGateway({ DATA_DIR: path.join(dir, "data"), MANAGE_TOKEN: manageToken, LOG_LEVEL: "silent" });
    // generated although MANAGE_TOKEN is set, as the README says
    adminToken = readFileSync(path.join(dir, "data", "admin-token"), "utf8").trim();
    expect(adminToken).toMatch(/^rgt_/);
  });
  afterAll(async () => {
    if (gw) await stopGateway(gw);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const block of blocks) {
    const name = `${block.heading}, block ${block.index} (${block.lang})`;
    const reason = notRunnable(block);
    if (reason) {
      it.skip(`${name}: not run, ${reason}`, () => {});
      continue;
    }
    it(name, () => {
      if (block.lang === "json") {
        expect(() => JSON.parse(block.code)).not.toThrow();
        return;
      }
      if (block.lang === "js") {
        // the snippet names the file the README saves it as; a later shell block runs it
        const file = /^\/\/ ([\w.-]+\.c?js):/.exec(block.code)?.[1];
        expect(file, "a JavaScript block starts with `// FILE: …`").toBeDefined();
        writeFileSync(path.join(dir, file as string), substitute(block.code));
        return;
      }
      expect(block.lang).toBe("sh");
      expect(block.code).not.toMatch(/npx region-gateway/);
      const run = spawnSync(
        "bash",
        ["-euo", "pipefail", "-c", `curl() { command curl --fail-with-body "$@"; }\n${substitute(block.code)}`],
        {
          cwd: dir,
          encoding: "utf8",
          timeout: 60_000,
          env: { PATH: process.env.PATH ?? "", HOME: dir, MANAGE_TOKEN: manageToken, IAM_TOKEN: adminToken },
        },
      );
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stderr).not.toMatch(/region-gateway: /);
      for (const [marker, pattern] of expectations) {
        if (block.code.includes(marker)) expect(run.stdout).toMatch(pattern);
      }
    });
  }
});

describe("README text", () => {
  it("lists every environment variable config.ts reads in a configuration table", () => {
    const rows = new Set([...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect(environmentVariables.filter((v) => !rows.has(v))).toEqual([]);
  });

  it("names only metrics the gateway exports", async () => {
    const exported = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const named = new Set([...readme.matchAll(/\bregion_gateway_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, "")));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
  });

  it("links only what is in the repository", () => {
    // nothing outside the checkout: no link or path that climbs out of it
    expect(readme).not.toMatch(/\]\(\.\.\/|`\.\.\//);
    for (const [, target] of readme.matchAll(/\]\(((?!https?:)[^)#]+)\)/g)) {
      expect(() => readFileSync(path.join(root, target as string)), target).not.toThrow();
    }
  });
});
