import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/client.ts";

export async function runMigrate(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  await database.close();
  process.stdout.write(`migrations applied (${database.kind})\n`);
}
