import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/service.ts";
import { describeError, GatewayError } from "../domain/errors.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { createAdminMigrationRoutes, isImportPath } from "./admin-migration-routes.ts";
import { createAdminRoutes } from "./admin-routes.ts";
import { limitBody } from "./body.ts";
import { asGet, sentMethod } from "./head.ts";
import { createKeystoneAuthRoutes } from "./keystone-auth-routes.ts";
import { createKeystoneAuthInfoRoutes } from "./keystone-catalog.ts";
import { renderKeystoneError } from "./keystone-errors.ts";
import { createKeystoneRoutes } from "./keystone-routes.ts";
import { renderRainbondError } from "./rainbond-errors.ts";
import { createRainbondRoutes } from "./rainbond-routes.ts";
import { refusalOf } from "./refusal.ts";
import { resource } from "./resource.ts";

export interface AppDeps {
  catalog: Catalog;
  /** the database, as /readyz asks it: resolves when it answers (http/ never imports src/db) */
  database: { ping(): Promise<void> };
  auth: Authenticator;
  /** seals access-key secrets */
  secretBox: SecretBox;
  /** lifetime of tokens issued by POST /v3/auth/tokens */
  tokenTtlSeconds?: number;
  /** PUBLIC_URL: base for links; else taken from the request */
  publicUrl?: string | undefined;
  logger?: Logger;
  /** the clock for issued tokens (tests move it) */
  now?: () => number;
  /** generates canonical uids and Keystone ids: 32 lowercase hex by default */
  newUid?: () => string;
}

const dialectOf = (path: string): "rainbond" | "keystone" => (path.startsWith("/openapi") ? "rainbond" : "keystone");

export function createApp(deps: AppDeps) {
  const newUid = deps.newUid ?? (() => randomUUID().replaceAll("-", ""));
  const baseUrl = (requestUrl: string) => deps.publicUrl ?? new URL(requestUrl).origin;
  const app = new Hono({ strict: false });

  app.use("*", async function requestLog(c, next) {
    const started = performance.now();
    await next();
    // method, path and status only: headers and bodies may carry secrets
    deps.logger?.info(
      { method: sentMethod(c.req.raw), path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });
  app.use("*", async function responseHeaders(c, next) {
    await next();
    // the Huawei SDK reads x-request-id, keystoneauth x-openstack-request-id
    const id = `req-${randomUUID()}`;
    c.header("X-Request-Id", id);
    // answers depend on the caller's credential: no shared cache may keep them
    c.header("Cache-Control", "no-store");
    if (dialectOf(c.req.path) === "keystone") {
      c.header("Vary", c.req.path.startsWith("/admin") ? "X-Auth-Token, Authorization" : "X-Auth-Token");
      c.header("x-openstack-request-id", id);
    } else {
      c.header("Vary", "Authorization");
    }
  });
  const limit = limitBody();
  // the import route has its own, larger limit (admin-migration-routes.ts)
  app.use("*", (c, next) => (isImportPath(c.req.path) ? next() : limit(c, next)));

  resource(app, "/healthz", { GET: (c) => c.json({ status: "ok" }) });
  resource(app, "/readyz", {
    GET: async (c) => {
      try {
        await deps.database.ping();
        return c.json({ status: "ok" });
      } catch {
        throw new GatewayError("unavailable", "database unavailable");
      }
    },
  });

  app.route("/", createRainbondRoutes({ catalog: deps.catalog, auth: deps.auth, newUid }));
  app.route(
    "/",
    createKeystoneAuthRoutes({
      catalog: deps.catalog,
      auth: deps.auth,
      baseUrl,
      tokenTtlSeconds: deps.tokenTtlSeconds ?? 3600,
      now: deps.now,
    }),
  );
  app.route("/", createKeystoneAuthInfoRoutes({ catalog: deps.catalog, auth: deps.auth, baseUrl }));
  app.route("/", createAdminRoutes({ catalog: deps.catalog, auth: deps.auth, secretBox: deps.secretBox }));
  app.route("/", createKeystoneRoutes({ catalog: deps.catalog, auth: deps.auth, newUid, baseUrl }));
  app.route("/", createAdminMigrationRoutes({ catalog: deps.catalog, auth: deps.auth, newUid, baseUrl }));

  const renderError = (error: unknown, c: Context) => {
    const rendered =
      dialectOf(c.req.path) === "rainbond"
        ? renderRainbondError(error, sentMethod(c.req.raw))
        : renderKeystoneError(error, baseUrl(c.req.url));
    return c.json(rendered.body as object, rendered.status as any, rendered.headers);
  };
  // HEAD answers carry the Content-Length the GET would have (as Keystone's do)
  const dispatch = app.fetch;
  app.fetch = async (req, env, ctx) => {
    if (req.method !== "HEAD") return dispatch(req, env, ctx);
    const res = await dispatch(asGet(req), env, ctx);
    const length = (await res.arrayBuffer()).byteLength;
    const headers = new Headers(res.headers);
    headers.set("Content-Length", String(length));
    return new Response(null, { status: res.status, statusText: res.statusText, headers });
  };

  app.notFound((c) => renderError(refusalOf(c.env) ?? new GatewayError("route_not_found", "no such path"), c));
  app.onError((error, c) => {
    if (!(error instanceof GatewayError))
      deps.logger?.error({ error: describeError(error), path: c.req.path }, "unexpected error");
    return renderError(error, c);
  });
  return app;
}
