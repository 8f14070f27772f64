const refusal = Symbol("refusal");

/**
 * A request refused before the app could see it (see node-server.ts), as a request the app can
 * answer: no route matches its path, and the not-found handler renders `error` instead (JSON in
 * the dialect of the original target, with the headers, logging and HEAD handling of any answer).
 */
export function refusalRequest(target: string | undefined, method: string | undefined, error: unknown) {
  // origin-form ("/openapi/…") or absolute-form ("http://host/openapi/…")
  const path = /^(?:[a-z]+:\/\/[^/]*)?\/openapi(?:[/?]|$)/i.test(target ?? "") ? "/openapi/.refused" : "/.refused";
  const request = new Request(`http://refused.invalid${path}`, { method: method === "HEAD" ? "HEAD" : "GET" });
  return { request, env: { [refusal]: error } };
}

/** Why the request was refused, when it is such a request. */
export const refusalOf = (env: unknown): unknown =>
  typeof env === "object" && env !== null && refusal in env ? (env as Record<symbol, unknown>)[refusal] : undefined;
