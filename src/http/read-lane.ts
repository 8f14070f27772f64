import type { IncomingMessage, ServerResponse } from "node:http";
import type { Catalog } from "../catalog/service.ts";
import type { Principal } from "../domain/principal.ts";
import type { Authenticator, Realm } from "../identity/authenticator.ts";
import { tokenOf } from "./auth.ts";
import { type Answer, conditionalAnswer } from "./cached-json.ts";
import { baseUrlOf, commonHeaders, newRequestId, requestRecorder } from "./frame.ts";
import type { Metrics } from "./metrics.ts";
import { rawHeader } from "./raw-headers.ts";
import { keystoneList, keystoneShow, rainbondV1List, rainbondV2Page } from "./read-answers.ts";

export interface ReadLaneDeps {
  catalog: Catalog;
  auth: Authenticator;
  /** PUBLIC_URL: base for links; else taken from the request */
  publicUrl?: string | undefined;
  logger?: import("pino").Logger | undefined;
  metrics: Metrics;
}

/** Answers a request on the lane and returns true, or returns false and leaves it to the app. */
export type ReadLane = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

/** A hot read: the route template it is, the realm of its credential, and its answer. */
interface HotRead {
  route: string;
  realm: Realm;
  answer: (principal: Principal, base: string) => Answer;
}

// the host forms @hono/node-server takes as they are (anything else it parses and may refuse)
const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
// ids and query values whose spelling needs no decoding
const plainId = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;
const plainPageQuery = /^\?(?:(?:current|pageSize|query)=[A-Za-z0-9._~-]*)(?:&(?:current|pageSize|query)=[A-Za-z0-9._~-]*)*$/;

/**
 * The read lane: the GETs clients poll — Keystone's region list and region, the console's v1 list
 * and v2 page — answered straight on Node's request and response, without building the Request,
 * Response and context objects the app works with (for a small answer, most of what a request
 * costs). It answers only what it can answer exactly as the app would: the same credential check,
 * the same door and cached bytes (read-answers.ts), the same headers, log line and metrics
 * (frame.ts). Anything else — another method or path, a query or id that needs decoding, a
 * repeated header, a missing or unknown credential, a region the caller cannot see — is left to
 * the app, which answers it (errors included) as it answers every request. test/http/read-lane.test.ts
 * compares the two answer for answer.
 */
export function createReadLane(deps: ReadLaneDeps): ReadLane {
  const { catalog } = deps;
  const record = requestRecorder(deps.logger, deps.metrics);
  const baseUrl = baseUrlOf(deps.publicUrl);

  /** The hot read a GET target is, or undefined. */
  const hotRead = (path: string, search: string): HotRead | undefined => {
    if (path === "/v3/regions") {
      if (search !== "") return undefined;
      return {
        route: "/v3/regions",
        realm: "keystone",
        answer: (p, base) => keystoneList(catalog, p, base, { search: "", params: new URLSearchParams() }),
      };
    }
    if (path.startsWith("/v3/regions/")) {
      const id = path.slice("/v3/regions/".length);
      if (search !== "" || !plainId.test(id)) return undefined;
      return { route: "/v3/regions/:id", realm: "keystone", answer: (p, base) => keystoneShow(catalog, p, base, id) };
    }
    if (path === "/openapi/v1/regions") {
      if (search !== "") return undefined;
      return { route: "/openapi/v1/regions", realm: "rainbond-v1", answer: (p) => rainbondV1List(catalog, p) };
    }
    if (path === "/openapi/v2/manage/regions") {
      if (search !== "" && !plainPageQuery.test(search)) return undefined;
      // a repeated parameter counts by its last value, as the app's route reads it
      const q: Record<string, string> = {};
      for (const pair of search.slice(1).split("&")) {
        if (pair === "") continue;
        const eq = pair.indexOf("=");
        q[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return {
        route: "/openapi/v2/manage/regions",
        realm: "rainbond-v2",
        answer: (p) => rainbondV2Page(catalog, p, { query: q.query, current: q.current, pageSize: q.pageSize }),
      };
    }
    return undefined;
  };

  /** The caller, when its credential is one the app would accept for this realm; else undefined. */
  const principalOf = (incoming: IncomingMessage, realm: Realm): Principal | undefined => {
    if (realm === "keystone") {
      const token = rawHeader(incoming, "x-auth-token")?.trim();
      return token ? (deps.auth.authenticate(token, "keystone") ?? undefined) : undefined;
    }
    const header = rawHeader(incoming, "authorization")?.trim();
    return header ? (deps.auth.authenticate(tokenOf(header), realm) ?? undefined) : undefined;
  };

  return (incoming, outgoing) => {
    if (incoming.method !== "GET") return false;
    const started = performance.now();
    const host = rawHeader(incoming, "host");
    const target = incoming.url ?? "";
    if (typeof host !== "string" || !plainHost.test(host) || target.charCodeAt(0) !== 47 /* "/" */) return false;
    const q = target.indexOf("?");
    const path = q === -1 ? target : target.slice(0, q);
    const read = hotRead(path, q === -1 ? "" : target.slice(q));
    if (!read) return false;
    const principal = principalOf(incoming, read.realm);
    if (!principal) return false;
    const ifNoneMatch = rawHeader(incoming, "if-none-match");
    if (ifNoneMatch === null) return false;
    let answer: Answer;
    try {
      answer = read.answer(principal, baseUrl(`http://${host}${target}`));
    } catch {
      return false; // not found, hidden, …: the app renders the error in the dialect's shape
    }
    const id = newRequestId();
    const headers: string[] = [];
    for (const [name, value] of commonHeaders(path, id)) headers.push(name, value);
    const { status, headers: own, body } = conditionalAnswer(ifNoneMatch, answer);
    for (const name in own) headers.push(name, own[name] as string);
    if (body !== null)
      headers.push("Content-Length", String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength));
    outgoing.writeHead(status, headers);
    outgoing.end(body ?? undefined);
    record({ id, started, method: "GET", route: read.route, path, status, credential: principal.id });
    return true;
  };
}
