import type { MiddlewareHandler } from "hono";
import { GatewayError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import type { Authenticator, Realm } from "../identity/tokens.ts";

export type AuthVariables = { principal: Principal };

/**
 * Rainbond: `Authorization: <raw token>` as the console and grctl send it; a `Bearer ` or
 * `Token ` prefix is tolerated. Messages are the console's own.
 */
export function rainbondAuth(auth: Authenticator, realm: Extract<Realm, `rainbond-${string}`>): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function rainbondAuthMiddleware(c, next) {
    const header = c.req.header("Authorization")?.trim();
    if (!header) throw new GatewayError("unauthorized", "No token");
    const token = header.replace(/^(Bearer|Token)\s+/i, "");
    const principal = auth.authenticate(token, realm);
    if (!principal) {
      throw new GatewayError("unauthorized", realm === "rainbond-v2" ? "token is invalid" : "No such user or user is not admin");
    }
    c.set("principal", principal);
    await next();
  };
}

/** Keystone / Huawei: `X-Auth-Token`. */
export function keystoneAuth(auth: Authenticator): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function keystoneAuthMiddleware(c, next) {
    const token = c.req.header("X-Auth-Token")?.trim();
    const principal = token ? auth.authenticate(token, "keystone") : null;
    if (!principal) throw new GatewayError("unauthorized", "The request you have made requires authentication.");
    c.set("principal", principal);
    await next();
  };
}

/**
 * Our own admin API (`/admin/v1/…`): `X-Auth-Token`, or `Authorization` (raw or `Bearer `).
 * Errors are rendered in the Keystone shape. Only admins pass.
 */
export function adminAuth(auth: Authenticator): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function adminAuthMiddleware(c, next) {
    const token =
      c.req.header("X-Auth-Token")?.trim() || c.req.header("Authorization")?.trim().replace(/^(Bearer|Token)\s+/i, "");
    const principal = token ? auth.authenticate(token, "keystone") : null;
    if (!principal) throw new GatewayError("unauthorized", "The request you have made requires authentication.");
    if (principal.role !== "admin") throw new GatewayError("forbidden", "This operation needs an admin credential.");
    c.set("principal", principal);
    await next();
  };
}
