import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name: string; version: string };

// What an operator does on a VM: `npm pack` in the checkout, the tarball installed into an empty
// directory, the gateway and its commands run from there, with neither the sources nor a
// TypeScript toolchain. (The pack runs without `prepare`: the suite's global setup has just
// built dist/, and rebuilding it here would swap it under the other tests' gateways.)
describe("the package from `npm pack`, installed into an empty directory", () => {
  const work = mkdtempSync(path.join(tmpdir(), "rg-package-"));
  const app = path.join(work, "app");
  const bin = path.join(app, "node_modules", ".bin", "region-gateway");
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work, npm_config_update_notifier: "false" };
  const npx = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync("npx", ["--no", "--", "region-gateway", ...args], { cwd: app, env: { ...env, ...extra }, encoding: "utf8" });
  let gateway: ChildProcess | undefined;

  beforeAll(() => {
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: root, env, stdio: "ignore" });
    const tarball = readdirSync(work).find((f) => f.startsWith(`${pkg.name}-`) && f.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    mkdirSync(app);
    // the dependencies come from npm's cache when `npm ci` has filled it (else from the registry)
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--omit=dev", path.join(work, tarball as string)],
      { cwd: app, env, stdio: "ignore" },
    );
  }, 300_000);
  afterAll(() => {
    if (gateway && gateway.exitCode === null) gateway.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  });

  it("holds the compiled gateway and its migrations, not the sources or a TypeScript toolchain", () => {
    const installed = path.join(app, "node_modules", pkg.name);
    expect(existsSync(path.join(installed, "dist", "main.js"))).toBe(true);
    expect(existsSync(path.join(installed, "drizzle", "meta", "_journal.json"))).toBe(true);
    expect(existsSync(path.join(installed, "src"))).toBe(false);
    for (const tool of ["typescript", "tsx", "esbuild"])
      expect(existsSync(path.join(app, "node_modules", tool)), tool).toBe(false);
  });

  it("prints the version of its package.json and its help", () => {
    const version = npx(["--version"]);
    expect(version.stderr).toBe("");
    expect(version.stdout).toBe(`${pkg.version}\n`);
    const help = npx(["help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: region-gateway/);
  });

  it("serves on a new data directory (created from the packaged template), and its commands talk to it", async () => {
    const dataDir = path.join(work, "data");
    const token = "rgt_package_test_admin_token_0123456789";
    gateway = spawn(bin, ["serve"], {
      cwd: app,
      env: { ...env, HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, ADMIN_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    gateway.stdout?.on("data", (d) => {
      out += d;
    });
    gateway.stderr?.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => gateway?.once("exit", resolve));
    const port = await new Promise<number>((resolve, reject) => {
      gateway?.stdout?.on("data", () => {
        const m = /"port":(\d+)[^\n]*region-gateway listening/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`the gateway exited with ${code}:\n${out}`)));
    });
    expect(out).toMatch(/initialising the embedded database/);
    // the template's database: no initdb ran (it would have made template0 and template1)
    expect(readdirSync(path.join(dataDir, "pglite", "base"))).toHaveLength(1);

    const url = `http://127.0.0.1:${port}`;
    const created = await fetch(`${url}/v3/regions`, {
      method: "POST",
      headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
      body: JSON.stringify({ region: { id: "packaged-1", description: "from the tarball" } }),
    });
    expect(created.status).toBe(201);
    const exported = npx(["export", "--format", "keystone"], { RG_URL: url, RG_TOKEN: token });
    expect(exported.stderr).toBe("");
    expect(exported.status).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ regions: [{ id: "packaged-1", description: "from the tarball" }] });
    const credentials = npx(["credentials", "list"], { RG_URL: url, RG_TOKEN: token });
    expect(credentials.status).toBe(0);

    gateway.kill("SIGTERM");
    expect(await exited).toBe(0);

    // offline commands: a conversion, and the migrations on the stopped gateway's database
    writeFileSync(path.join(work, "regions.json"), exported.stdout);
    const converted = npx(["convert", "--from", "keystone", "--to", "rainbond", path.join(work, "regions.json")]);
    expect(converted.status).toBe(0);
    expect(converted.stdout).toMatch(/packaged-1/);
    const migrated = npx(["migrate"], { DATA_DIR: dataDir });
    expect(migrated.stdout).toBe("migrations applied (pglite)\n");
  });
});
