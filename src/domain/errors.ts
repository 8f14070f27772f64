import type { CertificateProblem } from "./certificates.ts";

/**
 * Transport-neutral errors: one class (`GatewayError`), one closed set of codes, each code's
 * status in `statusOf` (a new code does not typecheck until it has one). Each dialect renders
 * every code in its own body shape (http/keystone-errors.ts and http/rainbond-errors.ts, whose
 * switches are exhaustive too); no route builds an error body itself. http/errors.ts turns
 * anything else thrown (hono's HTTPException, an unexpected error) into a GatewayError.
 */
export type ErrorCode =
  | "validation" // 400: a field is wrong; `fields` says which
  | "bad_request" // 400: the request as a whole is wrong (malformed JSON, wrong content type, id mismatch)
  | "cycle" // 400: a parent change would loop the hierarchy
  | "unauthorized" // 401
  | "forbidden" // 403
  | "not_found" // 404: the region (or parent) named in `subject` does not exist
  | "route_not_found" // 404: no such path
  | "method_not_allowed" // 405
  | "request_timeout" // 408: the request's headers did not arrive in time
  | "conflict" // 409: duplicate name or uid
  | "precondition_failed" // 412: If-Match / If-None-Match does not hold
  | "payload_too_large" // 413
  | "too_many_requests" // 429: a bounded resource (password hashing) is saturated
  | "headers_too_large" // 431
  | "unavailable" // 503: the database does not answer
  | "internal"; // 500: anything unexpected; its message is public text, never the cause's

export const statusOf: Record<ErrorCode, number> = {
  validation: 400,
  bad_request: 400,
  cycle: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  too_many_requests: 429,
  headers_too_large: 431,
  unavailable: 503,
  internal: 500,
};

/** Why a credential was refused (401): a bounded set, for metrics and logs; never the credential itself. */
export type AuthFailureReason =
  | "missing" // no credential presented
  | "invalid_token" // a token that is unknown, expired or revoked
  | "wrong_password" // a password login with an unknown user or a wrong password
  | "malformed_signature" // an SDK-HMAC-SHA256 Authorization header that does not parse
  | "unknown_key" // a signature with an unknown access key
  | "bad_signature" // a signature that does not verify
  | "skewed_date" // X-Sdk-Date more than 15 minutes away
  | "unsupported_method"; // a Keystone auth method other than password and token

export interface GatewayErrorOptions {
  /** field → messages, for validation errors */
  fields?: Record<string, string[]>;
  /** the region name (or id) the error is about */
  subject?: string;
  /** which field caused a conflict: "name" or "uid" */
  conflictOn?: "name" | "uid";
  /** allowed methods, for 405 */
  allow?: string[];
  /** what is wrong with the certificates a write would store (a validation error) */
  certificates?: CertificateProblem[];
  /** why a credential was refused (401) */
  reason?: AuthFailureReason;
  /** the limit a body broke (413), when it is not the 1 MiB every route has (as the import route's) */
  limit?: { name: string; bytes: number };
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string[]> | undefined;
  readonly subject: string | undefined;
  readonly conflictOn: "name" | "uid" | undefined;
  readonly allow: string[] | undefined;
  readonly certificates: CertificateProblem[] | undefined;
  readonly reason: AuthFailureReason | undefined;
  readonly limit: { name: string; bytes: number } | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message);
    this.name = "GatewayError";
    this.code = code;
    this.fields = options.fields;
    this.subject = options.subject;
    this.conflictOn = options.conflictOn;
    this.allow = options.allow;
    this.certificates = options.certificates;
    this.reason = options.reason;
    this.limit = options.limit;
  }

  get status(): number {
    return statusOf[this.code];
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;

/**
 * What may be logged about an unexpected error: its type, driver code and first line. Never the
 * whole object: a driver error carries the query's parameters (hashes, sealed secrets).
 */
export function describeError(e: unknown): { type: string; code?: string; message: string } {
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string; name?: string } };
  const code = err?.code ?? err?.cause?.code;
  return {
    type: err?.cause?.name ?? err?.name ?? typeof e,
    ...(code ? { code: String(code) } : {}),
    message:
      String(err?.message ?? e)
        .split("\n")[0]
        ?.slice(0, 300) ?? "",
  };
}
