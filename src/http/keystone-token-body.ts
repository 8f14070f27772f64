import { createHash } from "node:crypto";
import type { Catalog } from "../catalog/service.ts";
import type { Credential } from "../domain/credential.ts";
import type { TokenSubject } from "../identity/authenticator.ts";
import { principalOf } from "../identity/credentials.ts";
import { defaultDomain, serviceCatalog, stableId } from "./keystone-catalog.ts";

// Keystone's timestamps: microseconds, "Z"
const keystoneTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
// a stored credential's audit id: the same for every validation of it
const storedAuditId = (id: string) => createHash("sha256").update(`audit:${id}`).digest("base64url").slice(0, 22);

/** What a token body says, for an issued token and for a stored one alike. */
export interface TokenView {
  credential: Credential;
  methods: string[];
  auditIds: string[];
  issuedAt: number;
  /** null: a stored credential without an expiry */
  expiresAt: number | null;
  project?: { id: string; name: string } | undefined;
}

export const viewOf = (s: TokenSubject): TokenView =>
  s.kind === "issued"
    ? {
        credential: s.credential,
        methods: s.payload.methods,
        auditIds: s.payload.root ? [s.payload.id, s.payload.root] : [s.payload.id],
        issuedAt: s.payload.iat,
        expiresAt: s.payload.exp,
        project: s.payload.project,
      }
    : {
        credential: s.credential,
        methods: ["token"],
        auditIds: [storedAuditId(s.credential.id)],
        issuedAt: Date.parse(s.credential.createdAt),
        expiresAt: s.credential.expiresAt === null ? null : Date.parse(s.credential.expiresAt),
      };

/** The `{"token":{…}}` body of POST (201) and GET (200) /v3/auth/tokens, as Keystone answers. */
export function renderToken(v: TokenView, catalog: Catalog, base: string, withCatalog: boolean) {
  const cred = v.credential;
  const roles =
    cred.role === "admin"
      ? [
          { id: stableId("role:admin"), name: "admin" },
          { id: stableId("role:member"), name: "member" },
          { id: stableId("role:reader"), name: "reader" },
        ]
      : [{ id: stableId("role:reader"), name: "reader" }];
  return {
    token: {
      methods: v.methods,
      user: { domain: defaultDomain, id: cred.id, name: cred.userName ?? cred.name, password_expires_at: null },
      audit_ids: v.auditIds,
      expires_at: v.expiresAt === null ? null : keystoneTime(v.expiresAt),
      issued_at: keystoneTime(v.issuedAt),
      ...(v.project ? { project: { domain: defaultDomain, ...v.project } } : {}),
      is_domain: false,
      roles,
      ...(withCatalog ? { catalog: serviceCatalog(catalog, principalOf(cred), base) } : {}),
    },
  };
}
