import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Saves the generated admin token to `$DATA_DIR/admin-token`, readable by its owner only. */
export function saveAdminToken(dataDir: string, token: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "admin-token");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
