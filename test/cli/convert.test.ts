import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-support.ts";

const dir = mkdtempSync(path.join(tmpdir(), "rg-convert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content?: unknown) => {
  const p = path.join(dir, name);
  if (content !== undefined) writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
};

const east = {
  region_id: "0123456789abcdef0123456789abcdef",
  region_name: "rb-east",
  region_alias: "华东",
  url: "https://10.1.0.1:8443",
  token: "region-token-east-secret",
  wsurl: "wss://10.1.0.1:6060",
  httpdomain: "apps.east.example.com",
  tcpdomain: "10.1.0.1",
  scope: "public",
  ssl_ca_cert: "CA-EAST",
  cert_file: "CERT-EAST",
  key_file: "KEY-EAST-SECRET",
  status: "1",
  desc: "east cluster",
  enterprise_id: "ent-1",
};

describe("region-gateway convert (real process)", () => {
  it("reads standard input, writes the /v3 envelope, and says per region what Keystone cannot carry", async () => {
    const report = file("report.json");
    const r = await runCli(
      ["convert", "--from", "rainbond", "--to", "keystone", "--base-url", "https://iam.example.com/", "--report", report],
      {
        stdin: JSON.stringify({ total: 1, data: [east] }),
      },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      regions: [
        {
          id: "rb-east",
          description: "east cluster",
          parent_region_id: null,
          type: "public",
          locales: { "zh-cn": "华东", "en-us": "rb-east" },
          links: { self: "https://iam.example.com/v3/regions/rb-east" },
        },
      ],
      links: { self: "https://iam.example.com/v3/regions", previous: null, next: null },
    });
    expect(r.stderr).toBe(
      "rb-east: keystone cannot carry region_id, url, token, wsurl, httpdomain, tcpdomain, ssl_ca_cert, cert_file, key_file, status, enterprise_id\n",
    );
    expect(r.stdout).not.toContain("SECRET");
    expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({
      from: "rainbond",
      to: "keystone",
      regions: 1,
      written: true,
      losses: [{ name: "rb-east", lost: expect.arrayContaining(["url", "ssl_ca_cert", "cert_file"]), withheld: [] }],
      rejected: [],
    });
  });

  it("Rainbond → canonical → Rainbond through two processes gives the document back (with --include-secrets)", async () => {
    const canonical = file("east.canonical.json");
    const one = await runCli([
      "convert",
      "--from",
      "rainbond",
      "--to",
      "canonical",
      "--include-secrets",
      file("east.json", [east]),
      "-o",
      canonical,
    ]);
    expect(one).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const two = await runCli(["convert", "--from", "canonical", "--to", "rainbond", "--include-secrets", canonical]);
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout)).toEqual([east]);
    // without --include-secrets the secrets are withheld, and that is said
    const plain = await runCli(["convert", "--from", "rainbond", "--to", "rainbond", file("east.json")]);
    expect(plain.stdout).not.toContain("SECRET");
    expect(plain.stdout).not.toContain("region-token-east");
    expect(plain.stderr).toBe("rb-east: secrets not written (token, key_file); use --include-secrets\n");
  });

  it("Keystone → Rainbond reports parents, locales and extras", async () => {
    const doc = {
      regions: [
        { id: "cn", description: "China", parent_region_id: null, links: { self: "http://ks/v3/regions/cn" } },
        {
          id: "cn-1",
          description: "zone",
          parent_region_id: "cn",
          locales: { "zh-cn": "华北", "pt-br": "norte" },
          enabled: true,
        },
      ],
    };
    const r = await runCli(["convert", "--from", "keystone", "--to", "rainbond", file("ks.json", doc)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("cn-1: rainbond cannot carry enabled, parent_region_id, locales\n");
    expect((JSON.parse(r.stdout) as { region_name: string }[]).map((x) => x.region_name)).toEqual(["cn", "cn-1"]);
  });

  it("broken JSON, another format, duplicate names and cycles exit 1 and write nothing", async () => {
    const out = file("never.json");
    const cases: [string, unknown, string, string][] = [
      ["broken.json", '[{"region_name":', "rainbond", /not valid JSON/.source],
      ["wrong.json", [east], "keystone", "the document looks like a rainbond document, not keystone"],
      [
        "dup.json",
        [east, { ...east, region_id: "ffffffffffffffffffffffffffffffff" }],
        "rainbond",
        "record 1 \\(rb-east\\) rejected: duplicate name rb-east",
      ],
      [
        "cycle.json",
        {
          regions: [
            { id: "a", parent_region_id: "b" },
            { id: "b", parent_region_id: "a" },
          ],
        },
        "keystone",
        "record 0 \\(a\\) rejected: parent chain loops: a → b → a",
      ],
    ];
    for (const [name, content, from, message] of cases) {
      const r = await runCli(["convert", "--from", from, "--to", "canonical", file(name, content), "-o", out]);
      expect(r.code, name).toBe(1);
      expect(r.stderr).toMatch(new RegExp(message));
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    }
  });

  it("usage errors and unreadable files exit 2 with one line", async () => {
    const bad = await runCli(["convert", "--from", "rainbond", "--to", "yaml", file("east.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const missing = await runCli(["convert", "--from", "rainbond", "--to", "keystone", path.join(dir, "nope.json")]);
    expect(missing).toMatchObject({ code: 2, stderr: `region-gateway: cannot read ${path.join(dir, "nope.json")}: ENOENT\n` });
    const noFrom = await runCli(["convert", "--to", "keystone"]);
    expect(noFrom.code).toBe(2);
    expect(noFrom.stderr).toContain("--from");
  });
});
