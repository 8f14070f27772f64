import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";
import { runCli, serveOverHttp } from "./cli-support.ts";

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const rb = (i: number) => ({
  region_name: `rb-${String(i).padStart(3, "0")}`,
  region_alias: `集群 ${i}`,
  url: `https://r${i}.example.com:8443`,
  wsurl: `wss://r${i}.example.com:6060`,
  httpdomain: `apps${i}.example.com`,
  tcpdomain: "10.0.0.1",
  scope: i % 2 ? "public" : "private",
  desc: `region ${i}`,
  ssl_ca_cert: `CA-${i}`,
  cert_file: `CERT-${i}`,
  key_file: `KEY-${i}-SECRET`,
  token: `TOKEN-${i}-SECRET`,
  status: String(i % 4),
});

for (const backend of backends) {
  describe.skipIf(!backend.available)(`region-gateway import / export against running gateways (${backend.name})`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rg-import-"));
    let source: TestApp;
    let target: TestApp;
    let sourceUrl: string;
    let targetUrl: string;
    const closers: (() => Promise<void>)[] = [];
    const file = (name: string, content: unknown) => {
      const p = path.join(dir, name);
      writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
      return p;
    };
    const gw = () => ["--url", targetUrl, "--token", adminToken];
    const v3 = async (t: TestApp) =>
      (await (await clients(t.app).keystone("GET", "/v3/regions")).json()) as { regions: { id: string }[] };
    /** standard error without the progress lines */
    const errorLines = (text: string) =>
      text
        .split("\n")
        .filter((l) => !l.startsWith("importing "))
        .join("\n");
    const byId = (d: { regions: { id: string }[] }) => [...d.regions].sort((a, b) => a.id.localeCompare(b.id));

    beforeAll(async () => {
      source = await openTestApp(backend);
      target = await openTestApp(backend);
      const s = await serveOverHttp(source);
      const t = await serveOverHttp(target);
      sourceUrl = s.url;
      targetUrl = t.url;
      closers.push(
        s.close,
        t.close,
        () => source.close(),
        () => target.close(),
      );
      // the live source: 120 Rainbond regions (two v2 pages of 100), plus a Keystone hierarchy
      const c = clients(source.app);
      // a legacy console holds whatever was stored: placeholder certificates, stored with ?force=true
      for (let i = 0; i < 120; i++)
        expect((await c.rainbond("POST", "/openapi/v2/manage/regions?force=true", rb(i))).status).toBe(201);
      await c.keystone("POST", "/v3/regions", {
        region: { id: "ks-root", description: "root", locales: { "zh-cn": "根", "pt-br": "raiz" } },
      });
      await c.keystone("POST", "/v3/regions", {
        region: { id: "ks-child", parent_region_id: "ks-root", type: "private", tier: "gold" },
      });
    });
    afterAll(async () => {
      for (const close of closers) await close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("imports a file; the second run changes nothing; a dry run writes nothing", async () => {
      const doc = file("two.json", [rb(900), rb(901)]);
      const first = await runCli(["import", ...gw(), "--format", "rainbond", doc]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(
        /^create rb-900\ncreate rb-901\n2 created, 0 updated, 0 unchanged, 0 rejected; written \(catalogue version \d+\)\n$/,
      );
      expect(first.stderr).toContain("importing a rainbond document"); // progress: plain lines when not a terminal
      const version = target.catalog.version;
      const second = await runCli(["import", ...gw(), "--format", "rainbond", doc]);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe("0 created, 0 updated, 2 unchanged, 0 rejected; nothing to write\n");
      const dry = await runCli([
        "import",
        ...gw(),
        "--format",
        "rainbond",
        "--dry-run",
        file("changed.json", [{ ...rb(900), desc: "new" }]),
      ]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(
        "would update rb-900 (description)\n0 created, 1 updated, 0 unchanged, 0 rejected; dry run: nothing written\n",
      );
      expect(target.catalog.version).toBe(version);
      expect(target.catalog.get("rb-900")?.description).toBe("region 900");
    });

    it("rejected records exit 1, one line each, nothing written; bad documents exit 1; usage, token and connection errors exit 2", async () => {
      const version = target.catalog.version;
      const report = path.join(dir, "report.json");
      const cycle = await runCli([
        "import",
        ...gw(),
        "--format",
        "keystone",
        "--report",
        report,
        file("cycle.json", {
          regions: [
            { id: "x-new" },
            { id: "x-a", parent_region_id: "x-b" },
            { id: "x-b", parent_region_id: "x-a" },
            { id: "x-c", parent_region_id: "nowhere" },
          ],
        }),
      ]);
      expect(cycle.code).toBe(1);
      expect(errorLines(cycle.stderr)).toBe(
        [
          "region-gateway: record 1 (x-a) rejected: parent chain loops: x-a → x-b → x-a",
          "region-gateway: record 2 (x-b) rejected: parent chain loops: x-b → x-a → x-b",
          "region-gateway: record 3 (x-c) rejected: parent region nowhere does not exist in the catalogue or the document",
          "region-gateway: 3 record(s) rejected; nothing written",
          "",
        ].join("\n"),
      );
      expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({ written: false, summary: { rejected: 3 } });
      const broken = await runCli(["import", ...gw(), "--format", "rainbond", file("broken.json", "[{")]);
      expect(broken.code).toBe(1);
      expect(errorLines(broken.stderr)).toMatch(/^region-gateway: import refused: 400 not valid JSON: .*\n$/);
      const wrong = await runCli(["import", ...gw(), "--format", "canonical", file("rb.json", [rb(1)])]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("looks like a rainbond document, not canonical");
      expect(target.catalog.version).toBe(version);
      expect(target.catalog.get("x-new")).toBeUndefined();

      const badToken = await runCli([
        "import",
        "--url",
        targetUrl,
        "--token",
        "wrong",
        "--format",
        "rainbond",
        file("rb.json", [rb(1)]),
      ]);
      expect(badToken).toMatchObject({ code: 2 });
      expect(badToken.stderr).toContain("import refused: 401 The request you have made requires authentication.");
      const closed = await closedPort();
      const down = await runCli([
        "import",
        "--url",
        `http://127.0.0.1:${closed}`,
        "--token",
        "t",
        "--format",
        "rainbond",
        file("rb.json", [rb(1)]),
      ]);
      expect(down.code).toBe(2);
      expect(errorLines(down.stderr)).toBe(
        `region-gateway: cannot reach http://127.0.0.1:${closed}/admin/v1/import?format=rainbond&mode=upsert&dry_run=false: ECONNREFUSED\n`,
      );
      const usage = await runCli(["import", ...gw(), file("rb.json", [rb(1)])]);
      expect(usage).toMatchObject({
        code: 2,
        stderr: "region-gateway: --format is required (rainbond, keystone or canonical)\n",
      });
    });

    it("import --source reads a live Rainbond catalogue page by page; it appears field for field through /v3, and back", async () => {
      const r = await runCli([
        "import",
        ...gw(),
        "--source",
        `${sourceUrl}/openapi/v2/manage/regions`,
        "--source-format",
        "rainbond",
        "--source-token",
        adminToken,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("reading source regions 100/122");
      expect(r.stdout).toMatch(/122 created, 0 updated, 0 unchanged, 0 rejected; written/);
      // the Rainbond regions: identical through /v3
      const rbOnly = (d: { regions: { id: string }[] }) =>
        byId(d).filter((x) => x.id.startsWith("rb-0") || x.id.startsWith("rb-1"));
      expect(rbOnly(await v3(target))).toEqual(rbOnly(await v3(source)));
      // ...and back: the target's Rainbond export is the source's, secrets and region_ids included
      const exported = path.join(dir, "back.json");
      const e = await runCli(["export", ...gw(), "--format", "rainbond", "--include-secrets", "-o", exported]);
      expect(e).toMatchObject({ code: 0, stdout: "" });
      const sourceDoc = (await (
        await source.app.request("http://gw.test/admin/v1/export?format=rainbond&include_secrets=true", {
          headers: { "X-Auth-Token": adminToken },
        })
      ).json()) as { region_name: string }[];
      const mine = (JSON.parse(readFileSync(exported, "utf8")) as { region_name: string }[]).filter(
        (x) => !x.region_name.startsWith("rb-90"),
      );
      const sort = (d: { region_name: string }[]) => [...d].sort((a, b) => a.region_name.localeCompare(b.region_name));
      expect(sort(mine)).toEqual(sort(sourceDoc));
      // the second run changes nothing
      const again = await runCli([
        "import",
        ...gw(),
        "--source",
        sourceUrl,
        "--source-format",
        "rainbond",
        "--source-token",
        adminToken,
      ]);
      expect(again.stdout).toMatch(/0 created, 0 updated, 122 unchanged/);
    });

    it("import --source reads a live Keystone /v3: parents, locales and extras arrive", async () => {
      const r = await runCli([
        "import",
        ...gw(),
        "--source",
        `${sourceUrl}/v3`,
        "--source-format",
        "keystone",
        "--source-token",
        adminToken,
      ]);
      expect(r.code, r.stderr).toBe(0);
      // the Rainbond regions are as Keystone sees them already; the two Keystone ones gain what Rainbond could not carry
      expect(r.stdout).toBe(
        "update ks-root (locales)\nupdate ks-child (parentName, extra)\n0 created, 2 updated, 120 unchanged, 0 rejected; " +
          r.stdout.split("rejected; ")[1],
      );
      const want = byId(await v3(source)).filter((x) => x.id.startsWith("ks-"));
      expect(byId(await v3(target)).filter((x) => x.id.startsWith("ks-"))).toEqual(want);
      expect(want).toContainEqual(
        expect.objectContaining({ id: "ks-child", parent_region_id: "ks-root", tier: "gold", type: "private" }),
      );
    });

    it("export writes the document to standard output; secrets only with --include-secrets", async () => {
      const plain = await runCli(["export", ...gw(), "--format", "canonical"]);
      expect(plain.code).toBe(0);
      const doc = JSON.parse(plain.stdout) as { name: string; clientKey?: string }[];
      expect(doc.map((x) => x.name)).toContain("ks-child");
      expect(plain.stdout).not.toContain("-SECRET");
      const bad = await runCli(["export", "--url", targetUrl, "--token", "nope", "--format", "keystone"]);
      expect(bad.code).toBe(2);
    });
  });
}
