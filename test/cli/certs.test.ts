import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegion } from "../http/rainbond-support.ts";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";
import { runCli, serveOverHttp } from "./cli-support.ts";

const certs = testCertificates();
const pglite = backends.find((b) => b.name === "pglite");

describe.skipIf(!pglite)("region-gateway certs (a real CLI process against a gateway over HTTP)", () => {
  let t: TestApp;
  let gw: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    t = await openTestApp(pglite as NonNullable<typeof pglite>);
    gw = await serveOverHttp(t);
  });
  afterAll(async () => {
    await gw?.close();
    await t?.close();
  });
  const certsCli = (...extra: string[]) => runCli(["certs", "--url", gw.url, "--token", adminToken, ...extra]);

  it("exit 0 and one line per region when nothing expires within the window", async () => {
    const rb = clients(t.app).rainbond;
    await createRegion(rb, "cli-ok", { ssl_ca_cert: certs.ca, cert_file: certs.cert, key_file: certs.key });
    await createRegion(rb, "cli-plain");
    const r = await certsCli();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cli-ok {2}days_left=36[45] {2}not_after=\S+ {2}chains_to_ca=yes {2}key_matches_cert=yes$/);
  });

  it("exit 1 when a certificate expires inside the window (for cron); a narrower window passes", async () => {
    await createRegion(clients(t.app).rainbond, "cli-soon", {
      ssl_ca_cert: certs.ca,
      cert_file: certs.expiring,
      key_file: certs.expiringKey,
    });
    const r = await certsCli("--expiring-within", "30d");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^cli-soon {2}days_left=(9|10) .*EXPIRING$/m);
    expect((await certsCli("--expiring-within", "5")).code).toBe(0);
  });

  it("usage and authentication errors: one line, exit 2", async () => {
    const bad = await certsCli("--expiring-within", "soon");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^region-gateway: --expiring-within: a number of days/);
    const denied = await runCli(["certs", "--url", gw.url, "--token", "wrong"]);
    expect(denied.code).toBe(2);
    expect(denied.stderr.trim().split("\n")).toHaveLength(1);
  });
});
