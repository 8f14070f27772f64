import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { mayNameTokenOf } from "../catalog/caller-view.ts";
import type { Catalog } from "../catalog/service.ts";
import type { Credential } from "../domain/credential.ts";
import { type AuthFailureReason, GatewayError } from "../domain/errors.ts";
import { actorOf } from "../domain/principal.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { revokeIssuedToken } from "../identity/credential-service.ts";
import { isExpired, principalOf } from "../identity/credentials.ts";
import { issueToken, type TokenPayload } from "../identity/issued-tokens.ts";
import { verifyPassword } from "../identity/passwords.ts";
import { type AuthVariables, keystonePrincipal } from "./auth.ts";
import { readJson } from "./body.ts";
import { issueToken as issueTokenRoute, revokeToken, validateToken } from "./keystone-api.ts";
import { stableId } from "./keystone-catalog.ts";
import { keystoneBodyMessages, keystoneMessages } from "./keystone-errors.ts";
import { keystoneAuthBody } from "./keystone-schemas.ts";
import { renderToken, type TokenView, viewOf } from "./keystone-token-body.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";

export interface KeystoneAuthDeps {
  catalog: Catalog;
  auth: Authenticator;
  baseUrl: (requestUrl: string) => string;
  tokenTtlSeconds: number;
  now?: (() => number) | undefined;
}

const unauthorized = (reason: AuthFailureReason) => new GatewayError("unauthorized", keystoneMessages.unauthorized, { reason });
/** `POST|GET|HEAD|DELETE /v3/auth/tokens`: password (or token) authentication, as keystoneauth expects. */
export function createKeystoneAuthRoutes(deps: KeystoneAuthDeps) {
  const now = deps.now ?? Date.now;
  // the caller is known only once a handler has read it (POST authenticates by its body)
  const router = createRouter<{ Variables: Partial<AuthVariables> }>();

  const tokenBody = (v: TokenView, base: string, withCatalog: boolean) => renderToken(v, deps.catalog, base, withCatalog);

  /** The credential named by a password method (by user id, or by name in domain Default). */
  async function passwordCredential(user: z.infer<typeof keystoneAuthBody>["auth"]["identity"]["password"]): Promise<Credential> {
    if (!user) throw unauthorized("missing");
    const u = user.user;
    const domainOk = !u.domain || u.domain.id === "default" || u.domain.name === "Default";
    const rows = deps.catalog.identity().credentials.filter((c) => c.type === "password");
    const row = domainOk ? rows.find((c) => (u.id ? c.id === u.id : c.userName === u.name)) : undefined;
    // always one scrypt: a wrong user name costs as much as a wrong password
    const ok = await verifyPassword(u.password, row?.secretHash);
    if (!row || !ok || isExpired(row, now())) throw unauthorized("wrong_password");
    return row;
  }

  function scopeOf(scope: unknown): TokenPayload["project"] {
    const project = (scope as { project?: { id?: unknown; name?: unknown } } | undefined)?.project;
    if (!project) return undefined;
    const name = typeof project.name === "string" ? project.name : typeof project.id === "string" ? project.id : "default";
    return { id: typeof project.id === "string" ? project.id : stableId(`project:${name}`), name };
  }

  router.openapi(issueTokenRoute, async (c) => {
    const parsed = keystoneAuthBody.safeParse(await readJson(c, keystoneBodyMessages));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GatewayError("validation", `Invalid input for field '${issue?.path.join(".")}': ${issue?.message}`);
    }
    const identity = parsed.data.auth.identity;
    let credential: Credential;
    let methods: string[];
    const iat = now();
    let exp = iat + deps.tokenTtlSeconds * 1000;
    let root: string | undefined;
    let key: string | undefined;
    if (identity.methods.includes("password")) {
      credential = await passwordCredential(identity.password);
      methods = ["password"];
    } else if (identity.methods.includes("token") && identity.token) {
      const subject = deps.auth.readSubject(identity.token.id);
      if (!subject) throw unauthorized("invalid_token");
      credential = subject.credential;
      if (subject.kind === "issued") {
        const issued = subject.payload;
        methods = issued.methods.includes("token") ? issued.methods : [...issued.methods, "token"];
        // as Keystone: a token obtained with a token expires with it, and is revoked with it
        exp = issued.exp;
        root = issued.root ?? issued.id;
        key = issued.key;
      } else {
        // a stored token: the ordinary lifetime, cut to the credential's expiry below; revoking the
        // credential ends the issued token too (it names the credential)
        methods = ["token"];
        key = subject.key;
      }
    } else {
      throw new GatewayError("unauthorized", "Only the password and token authentication methods are supported.", {
        reason: "unsupported_method",
      });
    }
    c.set("principal", principalOf(credential)); // who logged in, for the request log
    if (credential.expiresAt) exp = Math.min(exp, Date.parse(credential.expiresAt));
    const { token, payload } = issueToken(deps.auth.tokenSigningKey, {
      cred: credential.id,
      methods,
      iat,
      exp,
      root,
      project: scopeOf(parsed.data.auth.scope),
      key,
    });
    const base = deps.baseUrl(c.req.url);
    return c.json(tokenBody(viewOf({ kind: "issued", payload, credential }), base, c.req.query("nocatalog") === undefined), 201, {
      "X-Subject-Token": token,
    });
  });
  router.openapi(validateToken, async (c) => {
    const subject = await subjectOf(c, deps.auth.readSubject, "identity:validate_token");
    return c.json(tokenBody(viewOf(subject), deps.baseUrl(c.req.url), c.req.query("nocatalog") === undefined), 200, {
      "X-Subject-Token": c.req.header("X-Subject-Token") ?? "",
    });
  });
  router.openapi(revokeToken, async (c) => {
    const subject = await subjectOf(c, deps.auth.readIssued, "identity:revoke_token");
    await revokeIssuedToken(
      deps.catalog,
      actorOf(principalOf(subject.credential), "keystone"),
      subject.payload.id,
      subject.payload.exp,
    );
    return c.body(null, 204);
  });
  refuseOtherMethods(router);

  /**
   * The token X-Subject-Token names, for GET/HEAD (validate: issued or stored tokens) and DELETE
   * (revoke: issued tokens only; a stored credential is revoked through the admin API). As in
   * Keystone's policy, an admin may name any token and any other caller only its own: 403 even
   * when the token does not exist, so a caller learns nothing about tokens that are not its own.
   */
  async function subjectOf<S extends { credential: Credential }>(
    c: Context<{ Variables: Partial<AuthVariables> }>,
    read: (token: string) => S | null,
    action: string,
  ): Promise<S> {
    const caller = await keystonePrincipal(deps.auth, c);
    c.set("principal", caller);
    const subject = read(c.req.header("X-Subject-Token")?.trim() ?? "");
    if (!mayNameTokenOf(caller, subject?.credential.id)) {
      throw new GatewayError("forbidden", keystoneMessages.forbidden(action));
    }
    if (!subject) throw new GatewayError("not_found", "Could not find token.");
    return subject;
  }

  return router;
}
