import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Tokens issued by `POST /v3/auth/tokens`. Like Keystone's Fernet tokens they are not stored:
 * "rgw1.<payload>.<HMAC-SHA256>", the payload naming the credential, the expiry and a random id
 * (the audit id, also the key of a revocation). Validation needs no database read.
 */
export interface TokenPayload {
  /** random id: audit id and revocation key */
  id: string;
  /** for a token obtained with the token method: the id of the first token of the chain */
  root?: string | undefined;
  /** credential id */
  cred: string;
  methods: string[];
  /** issued at / expires at, epoch milliseconds */
  iat: number;
  exp: number;
  project?: { id: string; name: string } | undefined;
  /** for a token obtained with ADMIN_TOKEN: a keyed fingerprint of it, so rotating ADMIN_TOKEN ends them */
  key?: string | undefined;
}

const prefix = "rgw1.";
const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export function issueToken(key: Buffer, payload: Omit<TokenPayload, "id">): { token: string; payload: TokenPayload } {
  const full: TokenPayload = { id: randomBytes(16).toString("base64url"), ...payload };
  const body = prefix + b64(JSON.stringify(full));
  return { token: `${body}.${b64(createHmac("sha256", key).update(body).digest())}`, payload: full };
}

/** The payload of a well-formed, correctly signed token (expiry not checked here), else null. */
export function readToken(key: Buffer, token: string): TokenPayload | null {
  if (!token.startsWith(prefix)) return null;
  const dot = token.lastIndexOf(".");
  if (dot <= prefix.length) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = createHmac("sha256", key).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body.slice(prefix.length), "base64url").toString("utf8")) as TokenPayload;
    return typeof payload.cred === "string" && typeof payload.exp === "number" ? payload : null;
  } catch {
    return null;
  }
}
