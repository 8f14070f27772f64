/** What a credential proves: a bearer token, a Keystone user's password, or a Huawei access key. */
export type CredentialType = "token" | "password" | "access_key";

export type CredentialRole = "admin" | "reader";

/**
 * A stored credential, as the identity snapshot holds it. The secret itself is never kept:
 * `secretHash` is SHA-256 of a bearer token or a salted scrypt hash of a password; `sealedSecret`
 * is an access key's SK under the secret box. Times are ISO 8601 text.
 */
export interface Credential {
  id: string;
  type: CredentialType;
  name: string;
  role: CredentialRole;
  /** private regions granted; `["*"]` grants them all */
  privateRegions: string[];
  enterpriseId: string | null;
  expiresAt: string | null;
  /** the Keystone user name (type password) */
  userName: string | null;
  /** the AK (type access_key) */
  accessKey: string | null;
  secretHash: string | null;
  sealedSecret: string | null;
  createdAt: string;
  revokedAt: string | null;
}

/** The identity snapshot: live credentials and revoked issued-token ids, as last loaded. */
export interface IdentityData {
  credentials: readonly Credential[];
  revokedTokens: ReadonlySet<string>;
}
