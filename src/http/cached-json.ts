import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { Catalog } from "../catalog/service.ts";
import { noneMatchHit } from "./conditional.ts";

const encoder = new TextEncoder();

/** A 200 JSON answer ready to send: its JSON (as UTF-8 bytes when kept) and its ETag. */
export interface Answer {
  body: Uint8Array | string;
  etag: string;
}

/**
 * A JSON answer rendered once per catalogue version and key (see Catalog.memo), kept as UTF-8
 * bytes so a hit costs neither JSON.stringify nor encoding. Its ETag is a hash of those bytes:
 * it changes exactly when what this caller sees changes (not on every catalogue write).
 */
export function cachedAnswer(catalog: Catalog, key: string, render: () => unknown): Answer {
  const body = catalog.memo(key, () => encoder.encode(JSON.stringify(render())));
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = `"l-${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    etags.set(body, etag);
  }
  return { body, etag };
}

/** The ETag of each kept rendering: computed once, and gone with it. */
const etags = new WeakMap<Uint8Array, string>();

/**
 * One region's answer: rendered per request (a small JSON text costs less to render than a
 * cache entry per region would hold, and would crowd the lists out of the memo); its ETag is the
 * region's (etagOf).
 */
export const regionAnswer = (region: { uid: string; revision: number }, body: unknown): Answer => ({
  body: JSON.stringify(body),
  etag: etagOf(region),
});

/**
 * What is sent for an answer: 200 with its JSON and ETag, or 304 without a body when
 * `If-None-Match` names it. Both ways a read is answered (hono's routes, the read lane) send this.
 */
export function conditionalAnswer(
  ifNoneMatch: string | undefined,
  a: Answer,
): { status: 200 | 304; headers: Record<string, string>; body: Uint8Array | string | null } {
  if (noneMatchHit(ifNoneMatch, a.etag)) return { status: 304, headers: { ETag: a.etag }, body: null };
  return { status: 200, headers: { "Content-Type": "application/json", ETag: a.etag }, body: a.body };
}

/**
 * The answer as hono sends it. A Response with plain headers: the HTTP adapter writes them as
 * they are (the context's helpers would build a Headers object for two headers, which costs more
 * than the rest).
 */
export function answerResponse(c: Context, a: Answer): Response {
  const { status, headers, body } = conditionalAnswer(c.req.header("If-None-Match"), a);
  return new Response(body as Uint8Array<ArrayBuffer> | string | null, { status, headers });
}

/**
 * A region's ETag: its uid and revision, bumped by every write (docs/design.md). The uid is
 * percent-encoded: a Rainbond region_id may hold any text (Arabic, a quote) and a header only
 * Latin-1 (an ETag only visible ASCII but `"`); a hex uid reads as itself.
 */
export const etagOf = (r: { uid: string; revision: number }): string => `"${encodeURIComponent(r.uid)}.${r.revision}"`;
