import type { Context } from "hono";
import { GatewayError } from "../domain/errors.ts";
import type { Region } from "../domain/region.ts";
import { etagOf } from "./cached-json.ts";

/**
 * Conditional requests (RFC 9110 §13): `If-Match` / `If-None-Match` on writes (412, nothing
 * written) and `If-None-Match` on reads (304). Requests without these headers are unaffected.
 */

/** The entity tags of a header: "*" alone, a list, or null when the header is absent. */
export function entityTags(header: string | undefined): "*" | string[] | null {
  if (header === undefined) return null;
  const value = header.trim();
  if (value === "*") return "*";
  return value.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

const opaque = (tag: string) => tag.replace(/^W\//, "");

/** Weak comparison (If-None-Match): W/"x" and "x" are the same. */
export function noneMatchHit(header: string | undefined, etag: string): boolean {
  const tags = entityTags(header);
  if (tags === null) return false;
  return tags === "*" || tags.some((t) => opaque(t) === etag);
}

/**
 * The write precondition of a request, for Catalog.create/update/remove: checked against the
 * region as the transaction reads it. `If-Match` compares strongly (a weak tag never matches).
 */
export function writePrecondition(c: Context, message: string): ((current: Region | undefined) => void) | undefined {
  const ifMatch = entityTags(c.req.header("If-Match"));
  const ifNoneMatch = entityTags(c.req.header("If-None-Match"));
  if (ifMatch === null && ifNoneMatch === null) return undefined;
  return (current) => {
    const etag = current ? etagOf(current) : null;
    if (ifMatch !== null && (etag === null || (ifMatch !== "*" && !ifMatch.includes(etag)))) {
      throw new GatewayError("precondition_failed", message);
    }
    if (ifNoneMatch !== null && etag !== null && (ifNoneMatch === "*" || ifNoneMatch.some((t) => opaque(t) === etag))) {
      throw new GatewayError("precondition_failed", message);
    }
  };
}
