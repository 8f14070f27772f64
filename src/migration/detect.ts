import type { Format } from "./document.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The format a single record looks like, by the keys only that format uses. */
export function recordFormat(item: unknown): Format | null {
  if (!isObject(item)) return null;
  if ("region_name" in item) return "rainbond";
  if ("id" in item) return "keystone";
  if ("name" in item) return "canonical";
  return null;
}

/**
 * Which format a parsed JSON document is in, or null when it looks like none of them.
 * Envelopes decide first (`{"regions"}` / `{"region"}` Keystone, `{"total","data"}` Rainbond v2),
 * then the keys of the first record (`region_name` Rainbond, `id` Keystone, `name` canonical).
 * An empty array fits every format.
 */
export function detectFormat(doc: unknown): Format | "empty" | null {
  if (isObject(doc)) {
    if (Array.isArray(doc.regions) || isObject(doc.region)) return "keystone";
    if (Array.isArray(doc.data) && "total" in doc) return "rainbond";
    return recordFormat(doc);
  }
  if (Array.isArray(doc)) {
    if (doc.length === 0) return "empty";
    for (const item of doc) {
      const f = recordFormat(item);
      if (f) return f;
    }
  }
  return null;
}

/** What each format's reader accepts, for error messages. */
export const expectedShapes: Record<Format, string> = {
  rainbond: 'a Rainbond v1 array, a v2 {"total","data"} page or one region object with region_name',
  keystone: 'a Keystone {"regions":[…]} list, a {"region":{…}} body or an array of regions with id',
  canonical: "an array of canonical region records (or one record) with name",
};
