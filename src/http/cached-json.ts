import type { Context } from "hono";
import type { Catalog } from "../catalog/service.ts";

/** A 200 JSON answer rendered once per catalogue version and key (see Catalog.memo). */
export function cachedJson(c: Context, catalog: Catalog, key: string, render: () => unknown): Response {
  const body = catalog.memo(key, () => JSON.stringify(render()));
  return c.body(body, 200, { "Content-Type": "application/json" });
}
