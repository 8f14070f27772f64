import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Principal } from "../domain/principal.ts";

/** Which door a credential is presented at; MANAGE_TOKEN opens only the v2 manage API. */
export type Realm = "rainbond-v1" | "rainbond-v2" | "keystone";

export interface Authenticator {
  authenticate(token: string, realm: Realm): Principal | null;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
const same = (a: Buffer, b: Buffer) => timingSafeEqual(a, b);

/** Static credentials from configuration: the admin token and the optional MANAGE_TOKEN. */
export function createStaticAuthenticator(adminToken: string, manageToken?: string): Authenticator {
  const admin = digest(adminToken);
  const manage = manageToken ? digest(manageToken) : null;
  const adminPrincipal: Principal = { id: "admin", name: "admin", role: "admin", privateRegions: "*", enterpriseId: null };
  const managePrincipal: Principal = { id: "manage", name: "manage-token", role: "admin", privateRegions: "*", enterpriseId: null };
  return {
    authenticate(token, realm) {
      const presented = digest(token);
      if (same(presented, admin)) return adminPrincipal;
      if (manage && realm === "rainbond-v2" && same(presented, manage)) return managePrincipal;
      return null;
    },
  };
}

export interface AdminTokenResult {
  token: string;
  /** set when this start generated the token: the caller prints it once */
  generated: boolean;
  file: string | null;
}

/**
 * ADMIN_TOKEN when configured; otherwise the one saved in `$DATA_DIR/admin-token`;
 * otherwise a new random one, saved there with mode 0600.
 */
export function resolveAdminToken(configured: string | undefined, dataDir: string): AdminTokenResult {
  if (configured) return { token: configured, generated: false, file: null };
  const file = path.join(dataDir, "admin-token");
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token) return { token, generated: false, file };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString("hex");
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "w" });
  chmodSync(file, 0o600);
  return { token, generated: true, file };
}
