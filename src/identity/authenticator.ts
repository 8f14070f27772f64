import { createHmac, timingSafeEqual } from "node:crypto";
import type { Credential, IdentityData } from "../domain/credential.ts";
import type { Principal } from "../domain/principal.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import { type SignatureCheck, type SignedRequest, verifySignedRequest } from "./aksk.ts";
import { hashToken, isExpired, principalOf } from "./credentials.ts";
import { readToken, type TokenPayload } from "./issued-tokens.ts";

/** Which door a credential is presented at; MANAGE_TOKEN opens only the v2 manage API. */
export type Realm = "rainbond-v1" | "rainbond-v2" | "keystone";

export interface Authenticator {
  /** a bearer credential: stored token, issued Keystone token, ADMIN_TOKEN or MANAGE_TOKEN */
  authenticate(token: string, realm: Realm): Principal | null;
  /** a Huawei SDK AK/SK-signed request */
  authenticateSigned(req: SignedRequest): { principal: Principal } | { principal: null; reason: SignatureCheck };
  /** an issued Keystone token's payload and credential, if it is valid now */
  readIssued(token: string): { payload: TokenPayload; credential: Credential } | null;
  /**
   * Any token that names a user at /v3/auth/tokens (as X-Subject-Token or through the token
   * method): an issued token, a stored `rgt_` credential, or ADMIN_TOKEN. Not MANAGE_TOKEN,
   * which opens only the v2 manage API.
   */
  readSubject(token: string): TokenSubject | null;
  tokenSigningKey: Buffer;
}

export type TokenSubject =
  | { kind: "issued"; payload: TokenPayload; credential: Credential }
  /** `key`: set for ADMIN_TOKEN, carried by the tokens obtained from it */
  | { kind: "stored"; credential: Credential; key?: string | undefined };

/** The user ADMIN_TOKEN stands for at /v3/auth/tokens: an admin that sees every region and never expires. */
export const adminTokenUserId = "env:ADMIN_TOKEN";

export interface AuthenticatorOptions {
  /** live credentials and revocations (the catalogue's snapshot) */
  identity: () => IdentityData;
  secretBox: SecretBox;
  adminToken?: string | undefined;
  manageToken?: string | undefined;
  now?: () => number;
}

interface Index {
  byTokenHash: Map<string, Credential>;
  byId: Map<string, Credential>;
  byAccessKey: Map<string, { row: Credential; secret: string }>;
}

const staticPrincipal = (id: string, name: string): Principal => ({
  id,
  name,
  role: "admin",
  privateRegions: "*",
  enterpriseId: null,
});

export function createAuthenticator(o: AuthenticatorOptions): Authenticator {
  const now = o.now ?? Date.now;
  const signingKey = o.secretBox.derive("keystone-token");
  const staticTokens: Array<{ digest: Buffer; principal: Principal; realms: Realm[] | null }> = [];
  let admin: { digest: Buffer; row: Credential; key: string } | undefined;
  if (o.adminToken) {
    staticTokens.push({
      digest: digest(o.adminToken),
      principal: staticPrincipal(adminTokenUserId, "ADMIN_TOKEN"),
      realms: null,
    });
    admin = {
      digest: digest(o.adminToken),
      key: createHmac("sha256", signingKey).update(o.adminToken).digest("base64url").slice(0, 22),
      row: {
        id: adminTokenUserId,
        type: "token",
        name: "ADMIN_TOKEN",
        role: "admin",
        privateRegions: ["*"],
        enterpriseId: null,
        expiresAt: null,
        userName: null,
        accessKey: null,
        secretHash: null,
        sealedSecret: null,
        createdAt: new Date(now()).toISOString(),
        revokedAt: null,
      },
    };
  }
  if (o.manageToken) {
    staticTokens.push({
      digest: digest(o.manageToken),
      principal: staticPrincipal("env:MANAGE_TOKEN", "MANAGE_TOKEN"),
      realms: ["rainbond-v2"],
    });
  }

  // Rebuilt only when the identity snapshot changes (a credential write or a reload).
  const indexes = new WeakMap<IdentityData, Index>();
  const indexOf = (data: IdentityData): Index => {
    let index = indexes.get(data);
    if (!index) {
      index = { byTokenHash: new Map(), byId: new Map(), byAccessKey: new Map() };
      for (const row of data.credentials) {
        index.byId.set(row.id, row);
        if (row.type === "token" && row.secretHash) index.byTokenHash.set(row.secretHash, row);
        if (row.type === "access_key" && row.accessKey && row.sealedSecret) {
          index.byAccessKey.set(row.accessKey, { row, secret: o.secretBox.open(row.sealedSecret) });
        }
      }
      indexes.set(data, index);
    }
    return index;
  };
  const live = (row: Credential | undefined) => (row && !isExpired(row, now()) ? row : undefined);

  const readIssued: Authenticator["readIssued"] = (token) => {
    const payload = readToken(signingKey, token);
    if (!payload || payload.exp <= now()) return null;
    const data = o.identity();
    // revoking a token also revokes the tokens obtained from it with the token method
    if (data.revokedTokens.has(payload.id) || (payload.root !== undefined && data.revokedTokens.has(payload.root))) return null;
    if (payload.cred === adminTokenUserId) {
      return admin && payload.key === admin.key ? { payload, credential: admin.row } : null;
    }
    const credential = live(indexOf(data).byId.get(payload.cred));
    return credential ? { payload, credential } : null;
  };

  const readSubject: Authenticator["readSubject"] = (token) => {
    if (admin && timingSafeEqual(digest(token), admin.digest)) return { kind: "stored", credential: admin.row, key: admin.key };
    const issued = readIssued(token);
    if (issued) return { kind: "issued", ...issued };
    const row = live(indexOf(o.identity()).byTokenHash.get(hashToken(token)));
    return row ? { kind: "stored", credential: row } : null;
  };

  return {
    tokenSigningKey: signingKey,
    readIssued,
    readSubject,
    authenticate(token, realm) {
      // hashed once per request: the static tokens compare its bytes, stored tokens are found by its hex
      const hash = hashToken(token);
      const presented = Buffer.from(hash, "hex");
      for (const s of staticTokens) {
        if (timingSafeEqual(presented, s.digest) && (s.realms === null || s.realms.includes(realm))) return s.principal;
      }
      const issued = readIssued(token);
      if (issued) return principalOf(issued.credential);
      const row = live(indexOf(o.identity()).byTokenHash.get(hash));
      return row ? principalOf(row) : null;
    },
    authenticateSigned(req) {
      const index = indexOf(o.identity());
      const check = verifySignedRequest(
        req,
        (ak) => {
          const entry = index.byAccessKey.get(ak);
          return entry && live(entry.row) ? entry.secret : undefined;
        },
        now(),
      );
      if (!check.ok) return { principal: null, reason: check };
      return { principal: principalOf((index.byAccessKey.get(check.accessKey) as { row: Credential }).row) };
    },
  };
}

const digest = (s: string) => Buffer.from(hashToken(s), "hex");
