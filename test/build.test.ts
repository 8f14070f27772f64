import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { binPath } from "./support/process.ts";

const root = path.resolve(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe("the compiled gateway the tests run", () => {
  it("is built from the current sources: dist/ is not older than any file in src/", () => {
    const built = statSync(path.join(root, "dist", ".built")).mtimeMs;
    const stale = files(path.join(root, "src")).filter((f) => statSync(f).mtimeMs > built);
    expect(stale).toEqual([]);
    // every module has its JavaScript
    const missing = files(path.join(root, "src"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(root, "dist", path.relative(path.join(root, "src"), f)).replace(/\.ts$/, ".js"))
      .filter((f) => !statSync(f, { throwIfNoEntry: false }));
    expect(missing).toEqual([]);
  });

  it("runs as plain node, with the version of package.json", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    const run = spawnSync(process.execPath, [binPath, "--version"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${pkg.version}\n`);
    expect(run.status).toBe(0);
    expect(readFileSync(binPath, "utf8")).not.toMatch(/tsx/);
  });
});
