import type { Context, MiddlewareHandler } from "hono";
import { requireAdmin } from "../catalog/caller-view.ts";
import { type AuthFailureReason, GatewayError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import { isSdkSigned } from "../identity/aksk.ts";
import type { Authenticator, Realm } from "../identity/authenticator.ts";
import { sentMethod } from "./head.ts";
import { keystoneMessages } from "./keystone-errors.ts";

export type AuthVariables = { principal: Principal };

/** The token an `Authorization` header carries: a `Bearer ` or `Token ` scheme, when sent, is dropped. */
export const tokenOf = (authorization: string): string => authorization.replace(/^(Bearer|Token)\s+/i, "");

/** Keystone's 401 for a missing or unknown credential (the renderer adds WWW-Authenticate). */
const keystoneUnauthorized = (reason: AuthFailureReason) =>
  new GatewayError("unauthorized", keystoneMessages.unauthorized, { reason });

/**
 * Rainbond: `Authorization: <raw token>` as the console and grctl send it; a `Bearer ` or
 * `Token ` prefix is tolerated. Messages are the console's own.
 */
export function rainbondAuth(
  auth: Authenticator,
  realm: Extract<Realm, `rainbond-${string}`>,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function rainbondAuthMiddleware(c, next) {
    const header = c.req.header("Authorization")?.trim();
    if (!header) throw new GatewayError("unauthorized", "No token", { reason: "missing" });
    const token = tokenOf(header);
    const principal = auth.authenticate(token, realm);
    if (!principal) {
      const message = realm === "rainbond-v2" ? "token is invalid" : "No such user or user is not admin";
      throw new GatewayError("unauthorized", message, { reason: "invalid_token" });
    }
    c.set("principal", principal);
    await next();
  };
}

const signatureMessages = {
  malformed:
    "The Authorization header is not a valid SDK-HMAC-SHA256 signature (Access, SignedHeaders incl. x-sdk-date, Signature).",
  // one message for both: the answer does not tell whether an access key exists
  unknown_key: "The request signature could not be verified: check the access key and its secret.",
  bad_signature: "The request signature could not be verified: check the access key and its secret.",
  skewed_date: "X-Sdk-Date is more than 15 minutes away from the server's time.",
};

/**
 * Keystone / Huawei: `X-Auth-Token` (stored or issued tokens), or a request signed with an
 * access key by the Huawei Cloud SDK (`Authorization: SDK-HMAC-SHA256 …`, `X-Sdk-Date`).
 * `X-Domain-Id` / `X-Project-Id` are accepted and not needed.
 */
export function keystoneAuth(auth: Authenticator): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function keystoneAuthMiddleware(c, next) {
    c.set("principal", await keystonePrincipal(auth, c));
    await next();
  };
}

/** The caller of a Keystone request, or a 401. */
export async function keystonePrincipal(auth: Authenticator, c: Context): Promise<Principal> {
  const token = c.req.header("X-Auth-Token")?.trim();
  if (token) {
    const principal = auth.authenticate(token, "keystone");
    if (principal) return principal;
    throw keystoneUnauthorized("invalid_token");
  }
  const authorization = c.req.header("Authorization");
  if (isSdkSigned(authorization)) {
    const url = new URL(c.req.url);
    const method = sentMethod(c.req.raw);
    const result = auth.authenticateSigned({
      method,
      path: url.pathname,
      query: url.searchParams,
      header: (name) => c.req.header(name),
      body: ["GET", "HEAD", "DELETE"].includes(method) ? "" : await c.req.text(),
    });
    if (result.principal) return result.principal;
    const reason = result.reason.ok ? "malformed" : result.reason.reason;
    throw new GatewayError("unauthorized", signatureMessages[reason], {
      reason: reason === "malformed" ? "malformed_signature" : reason,
    });
  }
  throw keystoneUnauthorized("missing");
}

/**
 * Our own admin API (`/admin/v1/…`): `X-Auth-Token`, or `Authorization` (raw or `Bearer `).
 * Errors are rendered in the Keystone shape. Only admins pass.
 */
export function adminAuth(auth: Authenticator): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function adminAuthMiddleware(c, next) {
    const authorization = c.req.header("Authorization")?.trim();
    const token = c.req.header("X-Auth-Token")?.trim() || (authorization && tokenOf(authorization));
    const principal = token ? auth.authenticate(token, "keystone") : null;
    if (!principal) throw keystoneUnauthorized(token ? "invalid_token" : "missing");
    requireAdmin(principal, "This operation needs an admin credential.");
    c.set("principal", principal);
    await next();
  };
}
