import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { Catalog } from "../catalog/service.ts";
import { noneMatchHit } from "./conditional.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A 200 JSON answer rendered once per catalogue version and key (see Catalog.memo), kept as
 * UTF-8 bytes so a hit costs neither JSON.stringify nor encoding. Its ETag is a hash of those
 * bytes: it changes exactly when what this caller sees changes (not on every catalogue write),
 * and `If-None-Match` with it answers 304 without a body.
 */
export function cachedJson(c: Context, catalog: Catalog, key: string, render: () => unknown): Response {
  const body = catalog.memo(key, () => encoder.encode(JSON.stringify(render())));
  const etag = decoder.decode(
    catalog.memo(`${key}#etag`, () =>
      encoder.encode(`"l-${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`),
    ),
  );
  // a Response with plain headers: the HTTP adapter writes them as they are (the context's
  // helpers would build a Headers object for two headers, which costs more than the rest)
  if (noneMatchHit(c.req.header("If-None-Match"), etag)) return new Response(null, { status: 304, headers: { ETag: etag } });
  return new Response(body as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: { "Content-Type": "application/json", ETag: etag },
  });
}

/**
 * A region's ETag: its uid and revision, bumped by every write (docs/design.md). The uid is
 * percent-encoded: a Rainbond region_id may hold any text (Arabic, a quote) and a header only
 * Latin-1 (an ETag only visible ASCII but `"`); a hex uid reads as itself.
 */
export const etagOf = (r: { uid: string; revision: number }): string => `"${encodeURIComponent(r.uid)}.${r.revision}"`;
