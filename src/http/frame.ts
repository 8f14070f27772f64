import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { DialectLabel, Metrics } from "./metrics.ts";

/**
 * The request frame: what every answer carries (its request id and the headers that go with it)
 * and what every request leaves behind (one log line, the metrics). One place for both ways a
 * request is answered: through the app (app.ts) and through the read lane (read-lane.ts).
 */

// `/openapi/…` is Rainbond's; `/openapi.json` (the document) is the gateway's own
export const dialectOf = (path: string): "rainbond" | "keystone" => (/^\/openapi(?:\/|$)/.test(path) ? "rainbond" : "keystone");

/** The dialect as a metric label and log field: which API a path belongs to (not its error shape). */
export function dialectLabel(path: string): DialectLabel {
  if (path.startsWith("/openapi/") || path === "/openapi") return "rainbond";
  if (path.startsWith("/v3") || path === "/") return "keystone";
  if (path.startsWith("/admin/")) return "admin";
  return "other";
}

/**
 * The gateway's base URL as clients reach it, for the links in answers: PUBLIC_URL, else the
 * request's origin (parsed once per authority: the hot reads build links from it).
 */
export function baseUrlOf(publicUrl: string | undefined): (requestUrl: string) => string {
  if (publicUrl !== undefined) return () => publicUrl;
  const origins = new Map<string, string>();
  return (requestUrl) => {
    const slash = requestUrl.indexOf("/", requestUrl.indexOf("//") + 2);
    const authority = slash === -1 ? requestUrl : requestUrl.slice(0, slash);
    let origin = origins.get(authority);
    if (origin === undefined) {
      origin = new URL(requestUrl).origin;
      if (origins.size >= 64) origins.clear(); // Host is the client's choice: bounded
      origins.set(authority, origin);
    }
    return origin;
  };
}

/** A new request id, as the client sees it in X-Request-Id (and x-openstack-request-id). */
export const newRequestId = (): string => `req-${randomUUID()}`;

/** The headers every answer carries, errors included. */
export function commonHeaders(path: string, id: string): [string, string][] {
  // answers depend on the caller's credential: no shared cache may keep them
  const headers: [string, string][] = [
    ["X-Request-Id", id],
    ["Cache-Control", "no-store"],
  ];
  if (dialectOf(path) === "keystone") {
    headers.push(["Vary", path.startsWith("/admin") ? "X-Auth-Token, Authorization" : "X-Auth-Token"]);
    headers.push(["x-openstack-request-id", id]);
  } else {
    headers.push(["Vary", "Authorization"]);
  }
  return headers;
}

/** What a finished request reports. */
export interface FinishedRequest {
  id: string;
  /** performance.now() when the request arrived */
  started: number;
  /** the method the client sent (HEAD, not the GET that served it) */
  method: string;
  /** the route template that answered (`/v3/regions/:id`), never the path as sent */
  route: string;
  path: string;
  status: number;
  credential?: string | undefined;
  authFailure?: string | undefined;
}

/**
 * Records a finished request: the metrics, and one log line naming the route template, the
 * dialect and the credential's id, never a header value, a body or a query string (they may
 * carry secrets).
 */
export function requestRecorder(logger: Logger | undefined, metrics: Metrics): (r: FinishedRequest) => void {
  // a child logger per route, method and dialect carries them already serialised (a third of a
  // line's cost); bounded: routes are templates and Node accepts only known methods
  const children = new Map<string, Logger>();
  const loggerFor = (method: string, route: string, dialect: DialectLabel): Logger | undefined => {
    if (!logger) return undefined;
    const key = `${method} ${route} ${dialect}`;
    let child = children.get(key);
    if (child === undefined) {
      child = logger.child({ method, route, dialect });
      children.set(key, child);
    }
    return child;
  };
  return (r) => {
    const seconds = (performance.now() - r.started) / 1000;
    const dialect = dialectLabel(r.path);
    metrics.request(r.route, r.method, r.status, dialect, seconds);
    if (r.authFailure !== undefined) metrics.authFailure(dialect, r.authFailure);
    loggerFor(r.method, r.route, dialect)?.info(
      {
        request_id: r.id,
        path: r.path,
        credential: r.credential,
        status: r.status,
        ms: Math.round(seconds * 10_000) / 10,
        ...(r.authFailure === undefined ? {} : { auth_failure: r.authFailure }),
      },
      "request",
    );
  };
}
