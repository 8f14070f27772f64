#!/usr/bin/env node
// `node scripts/make-template.mjs BUILD_DIR`: makes BUILD_DIR/pglite-template, the migrated
// embedded database every new DATA_DIR starts as a copy of, with the modules compiled in BUILD_DIR
// (the build runs this; see src/db/pglite.ts).
import path from "node:path";
import { pathToFileURL } from "node:url";

const out = path.resolve(process.argv[2] ?? "dist");
const started = Date.now();
const { makeTemplate } = await import(pathToFileURL(path.join(out, "db", "pglite.js")).href);
const { openDatabase } = await import(pathToFileURL(path.join(out, "db", "client.js")).href);
await makeTemplate(path.join(out, "pglite-template"), async (pglite) => {
  const database = await openDatabase({ pglite });
  await database.migrate();
});
process.stdout.write(`build: made the PGlite template in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
