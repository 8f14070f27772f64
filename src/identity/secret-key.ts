import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateSecretKey, parseSecretKey } from "../domain/secret-box.ts";

/**
 * SECRET_KEY when configured. Otherwise, on the embedded database only, the key saved in
 * `$DATA_DIR/secret-key`, generated (mode 0600) on first start. PostgreSQL requires it: the
 * database may be shared by instances on other machines, which must all use one key.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string, embedded: boolean): Buffer {
  if (configured) return parseSecretKey(configured);
  if (!embedded) throw new Error("SECRET_KEY is required with DATABASE_URL (64 hex characters; e.g. `openssl rand -hex 32`)");
  const file = path.join(dataDir, "secret-key");
  if (existsSync(file)) return parseSecretKey(readFileSync(file, "utf8"));
  mkdirSync(dataDir, { recursive: true });
  const key = generateSecretKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return parseSecretKey(key);
}
