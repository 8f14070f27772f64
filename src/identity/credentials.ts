import { createHash, hash, randomBytes } from "node:crypto";
import type { Credential } from "../domain/credential.ts";
import type { Principal } from "../domain/principal.ts";

/** The hash a bearer token is stored and looked up by (tokens are 256-bit random: no salt needed). */
export const hashToken: (token: string) => string =
  // every authenticated request hashes its token: Node's one-shot hash (20.12+) is about twice as fast
  typeof hash === "function"
    ? (token) => hash("sha256", token, "hex")
    : (token) => createHash("sha256").update(token).digest("hex");

export const newCredentialId = (): string => randomBytes(16).toString("hex");
export const newBearerToken = (): string => `rgt_${randomBytes(32).toString("base64url")}`;
export const newAccessKey = (): string => randomBytes(10).toString("hex").toUpperCase();
export const newSecretKey = (): string => randomBytes(30).toString("base64url");

export function principalOf(row: Credential): Principal {
  return {
    id: row.id,
    name: row.name,
    role: row.role === "admin" ? "admin" : "reader",
    privateRegions: row.privateRegions.includes("*") ? "*" : row.privateRegions,
    enterpriseId: row.enterpriseId,
  };
}

export const isExpired = (row: Credential, now: number): boolean => row.expiresAt !== null && Date.parse(row.expiresAt) <= now;

/** A credential as the admin API lists it: never a hash, never a secret. */
export function publicView(row: Credential) {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    role: row.role,
    private_regions: row.privateRegions.includes("*") ? "*" : row.privateRegions,
    enterprise_id: row.enterpriseId,
    expires_at: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
    created_at: new Date(row.createdAt).toISOString(),
    ...(row.type === "password" ? { user_name: row.userName } : {}),
    ...(row.type === "access_key" ? { access: row.accessKey } : {}),
  };
}
