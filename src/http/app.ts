import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { ServerResponse } from "node:http";
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "pino";
import type { Catalog } from "../catalog/service.ts";
import { describeError, GatewayError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import * as gatewayApi from "./admin-api.ts";
import { createAdminMigrationRoutes, isImportPath } from "./admin-migration-routes.ts";
import { createAdminRoutes } from "./admin-routes.ts";
import { limitBody } from "./body.ts";
import { createDocsRoutes } from "./docs-page.ts";
import { asGatewayError } from "./errors.ts";
import { baseUrlOf, commonHeaders, dialectOf, newRequestId, requestRecorder } from "./frame.ts";
import { asGet, sentMethod } from "./head.ts";
import { createKeystoneAuthRoutes } from "./keystone-auth-routes.ts";
import { createKeystoneAuthInfoRoutes } from "./keystone-catalog.ts";
import { renderKeystoneError } from "./keystone-errors.ts";
import { createKeystoneRoutes } from "./keystone-routes.ts";
import { createMetrics, type Metrics, type MetricsAccess, type MetricsDatabase } from "./metrics.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";
import { createOpenApiRoutes } from "./openapi-document.ts";
import { renderRainbondError } from "./rainbond-errors.ts";
import { createRainbondRoutes } from "./rainbond-routes.ts";
import { refusalOf } from "./refusal.ts";

export interface AppDeps {
  catalog: Catalog;
  /** the database, as /readyz and the metrics ask it (http/ never imports src/db) */
  database: MetricsDatabase;
  auth: Authenticator;
  /** seals access-key secrets */
  secretBox: SecretBox;
  /** lifetime of tokens issued by POST /v3/auth/tokens */
  tokenTtlSeconds?: number;
  /** PUBLIC_URL: base for links; else taken from the request */
  publicUrl?: string | undefined;
  logger?: Logger;
  /** the gateway's metrics (created here when absent: GET /metrics always answers) */
  metrics?: Metrics;
  /** who may read GET /metrics; open by default (loopback, no METRICS_TOKEN) */
  metricsAccess?: MetricsAccess;
  /** the clock for issued tokens (tests move it) */
  now?: () => number;
  /** generates canonical uids and Keystone ids: 32 lowercase hex by default */
  newUid?: () => string;
  /** the gateway's version, shown in the OpenAPI document */
  version?: string;
}

/**
 * The route template that answered (`/v3/regions/:id`), from hono's match: the last matched
 * route that is not a wildcard middleware. Never the path as sent: unknown paths are one value.
 */
function routeTemplate(c: Context): string {
  if (refusalOf(c.env) !== undefined) return "(refused)";
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const path = routes[i]?.path;
    if (path !== undefined && !path.endsWith("*")) return path;
  }
  return "(unmatched)";
}

const methodsWithoutBody = new Set(["GET", "HEAD"]);

/** Node's response for this request, when @hono/node-server serves it (not in app.request). */
const nodeResponseOf = (env: unknown): ServerResponse | undefined => {
  const outgoing = (env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
};
const digest = (s: string) => createHash("sha256").update(s).digest();

/** Variables the request frame and the error handler share. */
type FrameVariables = { requestId: string; principal?: Principal; authFailure?: string };

export function createApp(deps: AppDeps) {
  const newUid = deps.newUid ?? (() => randomUUID().replaceAll("-", ""));
  const baseUrl = baseUrlOf(deps.publicUrl);
  const app = createRouter<{ Variables: FrameVariables }>();
  const metrics = deps.metrics ?? createMetrics({ processMetrics: false });
  metrics.watch({ catalog: deps.catalog, database: deps.database });
  const logger = deps.logger;
  const record = requestRecorder(logger, metrics);

  /**
   * Around every request: the headers every answer carries, set before the handler runs (so they
   * are part of the answer, not a copy of it made afterwards), then the log line and the metrics
   * (frame.ts).
   */
  app.use("*", async function frame(c, next) {
    const started = performance.now();
    const path = c.req.path;
    // the Huawei SDK reads x-request-id, keystoneauth x-openstack-request-id
    const id = newRequestId();
    c.set("requestId", id);
    const headers = commonHeaders(path, id);
    // Served by Node: straight onto its response, which merges them with the answer's own. No
    // Headers object is built for them (building one, and reading it back, is most of what a
    // cached read costs beyond the socket).
    const outgoing = nodeResponseOf(c.env);
    if (outgoing) for (const [name, value] of headers) outgoing.setHeader(name, value);
    else for (const [name, value] of headers) c.header(name, value);
    await next();
    // in-process (app.request), an answer built without the context (a raw Response) lacks them
    if (!outgoing && c.res.headers.get("X-Request-Id") !== id) for (const [name, value] of headers) c.header(name, value);
    record({
      id,
      started,
      method: sentMethod(c.req.raw),
      route: routeTemplate(c),
      path,
      status: c.res.status,
      credential: c.get("principal")?.id,
      authFailure: c.get("authFailure"),
    });
  });
  const limit = limitBody();
  // GET and HEAD bodies are never read: no need to look at them (the body stream is costly to
  // make); the import route has its own, larger limit (admin-migration-routes.ts)
  app.use("*", (c, next) => (methodsWithoutBody.has(c.req.method) || isImportPath(c.req.path) ? next() : limit(c, next)));

  const gateway = createRouter();
  gateway.openapi(gatewayApi.healthz, (c) => c.json({ status: "ok" as const }, 200));
  const access = deps.metricsAccess ?? { kind: "open" };
  const metricsTokenDigest = access.kind === "token" ? digest(access.token) : undefined;
  gateway.openapi(gatewayApi.metrics, async (c) => {
    if (access.kind === "closed") {
      throw new GatewayError(
        "forbidden",
        "GET /metrics is closed: the gateway listens beyond loopback and METRICS_TOKEN is not set.",
      );
    }
    if (metricsTokenDigest) {
      const presented = c.req
        .header("Authorization")
        ?.trim()
        .replace(/^Bearer\s+/i, "");
      if (!presented)
        throw new GatewayError("unauthorized", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.", {
          reason: "missing",
        });
      if (!timingSafeEqual(digest(presented), metricsTokenDigest)) {
        throw new GatewayError("unauthorized", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.", {
          reason: "invalid_token",
        });
      }
    }
    const { body, contentType } = await metrics.render();
    return c.text(body, 200, { "Content-Type": contentType });
  });
  gateway.openapi(gatewayApi.readyz, async (c) => {
    try {
      await deps.database.ping();
      return c.json({ status: "ok" as const }, 200);
    } catch {
      throw new GatewayError("unavailable", "database unavailable");
    }
  });
  refuseOtherMethods(gateway);
  app.route("/", gateway);

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
  // last: the document describes every route registered above (and its own)
  app.route("/", createDocsRoutes());
  app.route("/", createOpenApiRoutes(app, { version: deps.version ?? "dev" }));

  // every error answer: one model (GatewayError), rendered in the dialect of the path
  const renderError = (error: GatewayError, c: Context) => {
    const rendered =
      dialectOf(c.req.path) === "rainbond"
        ? renderRainbondError(error, { method: sentMethod(c.req.raw), path: c.req.path })
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

  app.notFound((c) => renderError(asGatewayError(refusalOf(c.env) ?? new GatewayError("route_not_found", "no such path")), c));
  app.onError((thrown, c) => {
    const error = asGatewayError(thrown);
    if (error.code === "internal") {
      logger?.error({ request_id: c.get("requestId"), error: describeError(thrown), path: c.req.path }, "unexpected error");
    } else if (error.code === "unauthorized") {
      c.set("authFailure", error.reason ?? "other");
    } else if (error.code === "forbidden") {
      c.set("authFailure", "forbidden");
    }
    return renderError(error, c);
  });
  return app;
}
