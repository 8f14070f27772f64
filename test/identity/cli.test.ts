import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/cli-support.ts";
import { type RunningGateway, startGateway, stopGateway } from "../support/process.ts";

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

// `credentials` and `audit` as an operator runs them: real processes against a real gateway.
describe("credentials and audit commands (real processes)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-cred-cli-"));
  const admin = "cli-admin-token";
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ DATA_DIR: dataDir, ADMIN_TOKEN: admin });
  });
  afterAll(async () => {
    if (gw) await stopGateway(gw);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates, lists and revokes credentials; audit shows who did it", async () => {
    const target = ["--url", gw.url, "--token", admin];
    const created = await run(["credentials", "create", ...target, "--type", "token", "--role", "reader", "--name", "from-cli"]);
    expect(created.code).toBe(0);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token).toMatch(/^rgt_/);
    expect((await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": token } })).status).toBe(200);

    const pw = await run(["credentials", "create", ...target, "--type", "password", "--role", "reader", "--user-name", "carol"], {
      RG_PASSWORD: "carol-password",
    });
    expect(pw.code).toBe(0);
    expect(pw.stdout).not.toContain("carol-password");

    const listed = await run(["credentials", "list", ...target]);
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.stdout) as { credentials: { name: string }[] }).credentials.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["from-cli", "carol"]));
    expect(listed.stdout).not.toContain(token);

    const revoked = await run(["credentials", "revoke", ...target, id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked ${id}`);
    expect((await fetch(`${gw.url}/v3/regions`, { headers: { "X-Auth-Token": token } })).status).toBe(401);

    const audit = await run(["audit", ...target, "--region", id]);
    expect(audit.code).toBe(0);
    const entries = (JSON.parse(audit.stdout) as { entries: { action: string; actor: { name: string } }[] }).entries;
    expect(entries.map((e) => e.action)).toEqual(["credential.revoke", "credential.create"]);
    expect(entries.every((e) => e.actor.name === "ADMIN_TOKEN")).toBe(true);
  });

  it("fails with one clear line and exit 2 on a bad token or an unreachable gateway, 1 on bad input", async () => {
    const badToken = await run(["credentials", "list", "--url", gw.url, "--token", "wrong"]);
    expect(badToken.code).toBe(2);
    expect(badToken.stderr.trim().split("\n")).toHaveLength(1);
    expect(badToken.stderr).toContain("401");
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const unreachable = await run(["credentials", "list", "--url", `http://127.0.0.1:${closedPort}`, "--token", admin]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach .*ECONNREFUSED/);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
    const badInput = await run(["credentials", "create", "--url", gw.url, "--token", admin, "--type", "token", "--role", "root"]);
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toContain("400");
  });

  it("takes the gateway and the token from RG_URL and RG_TOKEN (nothing secret on the command line)", async () => {
    const env = { RG_URL: gw.url, RG_TOKEN: admin };
    const created = await run(["credentials", "create", "--type", "token", "--role", "reader", "--name", "from-env"], env);
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const [listed, audit, exported] = await Promise.all([
      run(["credentials", "list"], env),
      run(["audit", "--region", id, "--limit", "5"], env),
      run(["export", "--format", "keystone"], env),
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("from-env");
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout).entries[0].action).toBe("credential.create");
    expect((await run(["credentials", "revoke", id], env)).stdout.trim()).toBe(`revoked ${id}`);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toHaveProperty("regions");
    // an option still wins over the environment; neither: one line, exit 2
    const [overridden, noUrl, noToken, importNoToken] = await Promise.all([
      run(["credentials", "list", "--token", "wrong"], env),
      run(["audit"], { RG_TOKEN: admin }),
      run(["credentials", "list"], { RG_URL: gw.url }),
      run(["import", "--format", "keystone", "-"], { RG_URL: gw.url }),
    ]);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toContain("401");
    for (const [res, missing] of [
      [noUrl, "--url (or RG_URL)"],
      [noToken, "--token (or RG_TOKEN)"],
      [importNoToken, "--token (or RG_TOKEN)"],
    ] as const) {
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`region-gateway: ${missing} is required\n`);
    }
  });
});

// The command line's own help and version (no gateway needed).
describe("help and --version (real processes)", () => {
  it("`help` lists the commands and says the bare command runs serve; `help COMMAND` shows that command", async () => {
    const help = await run(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Without a command it runs `serve`.");
    expect(help.stdout).toMatch(/serve\s+start the gateway \(the default command\)/);
    expect(help.stdout).toMatch(/help \[command\]/);
    const importHelp = await run(["help", "import"]);
    expect(importHelp.code).toBe(0);
    expect(importHelp.stdout).toContain("Usage: region-gateway import [options] [file]");
    expect(importHelp.stdout).toContain("(default: $RG_TOKEN");
  });

  it("--version prints the version of package.json", async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8"));
    for (const flag of ["--version", "-V"]) {
      const res = await run([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${version}\n`);
    }
  });
});
