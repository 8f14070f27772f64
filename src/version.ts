import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The version in the package's package.json, found upwards from this module (sources or a build). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = new URL(".", import.meta.url); dir.pathname !== "/"; dir = new URL("..", dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "region-gateway" && pkg.version) {
        cached = pkg.version;
        return cached;
      }
    } catch {
      // no package.json here: look one level up
    }
  }
  cached = "unknown";
  return cached;
}
