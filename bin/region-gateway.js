#!/usr/bin/env node
// Runs the compiled gateway (dist/, built from src/ by `npm run build`, which `npm ci` runs).
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("region-gateway: dist/main.js is missing: run `npm run build` (or `npm ci`) in the checkout\n");
  process.exit(2);
}
await import(main.href);
