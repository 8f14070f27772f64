import type { Context } from "hono";
import type { Catalog } from "../catalog/service.ts";

const encoder = new TextEncoder();

/**
 * A 200 JSON answer rendered once per catalogue version and key (see Catalog.memo), kept as
 * UTF-8 bytes so a hit costs neither JSON.stringify nor encoding.
 */
export function cachedJson(c: Context, catalog: Catalog, key: string, render: () => unknown): Response {
  const body = catalog.memo(key, () => encoder.encode(JSON.stringify(render())));
  return c.body(body as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/json" });
}

/** A region's ETag: its revision, bumped by every write (docs/design.md). */
export const etagOf = (r: { uid: string; revision: number }): string => `"${r.uid}.${r.revision}"`;
