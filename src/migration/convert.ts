import { GatewayError } from "../domain/errors.ts";
import { type DocRegion, type Format, type ParsedDocument, type Rejection, sameJson, secretKeys } from "./document.ts";
import { parseRecord } from "./parse.ts";
import { checkDocument } from "./plan.ts";
import { type RenderOptions, renderDocument, renderRecord } from "./render.ts";

/** What a conversion could not carry for one region, in the source format's field names. */
export interface RegionLoss {
  name: string;
  /** fields the target format cannot express */
  lost: string[];
  /** secrets the target could carry but that were not written (no include-secrets) */
  withheld: string[];
}

export interface ConversionResult {
  document: unknown;
  losses: RegionLoss[];
  rejected: Rejection[];
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === "" || (typeof v === "object" && v !== null && Object.keys(v).length === 0);

/**
 * Converts a parsed document to `to`. Records the document refused, and document-level problems
 * (duplicate names or uids, parent cycles), make the result empty: a conversion is all or nothing.
 */
export function convertDocument(parsed: ParsedDocument, to: Format, o: RenderOptions): ConversionResult {
  const rejected = [...parsed.rejected, ...checkDocument(parsed)].sort((a, b) => a.index - b.index);
  if (rejected.length > 0) return { document: null, losses: [], rejected };
  const regions = parsed.records.map((r) => r.region);
  const losses = regions.map((r) => lossOf(parsed.format, to, r, o)).filter((l) => l.lost.length + l.withheld.length > 0);
  return { document: renderDocument(to, regions, o), losses, rejected };
}

/**
 * Exactly what a region loses going from `from` to `to`: the record is written in `to`, read
 * back, and written in `from` again; every field of the first `from` view that is missing or
 * different afterwards is lost (an empty value that disappears is not a loss).
 */
export function lossOf(from: Format, to: Format, region: DocRegion, o: RenderOptions): RegionLoss {
  const full = { includeSecrets: true, baseUrl: o.baseUrl };
  const written = JSON.parse(JSON.stringify(renderRecord(to, region, o)));
  let back: DocRegion;
  try {
    back = parseRecord(to, written);
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    back = { values: region.values, carried: new Set() };
  }
  const before = renderRecord(from, region, full);
  const after = renderRecord(from, back, full);
  const lost: string[] = [];
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(before)) {
    const gone = !Object.hasOwn(after, key);
    if (gone ? isEmpty(value) : sameJson(value, after[key])) continue;
    if (secretKeys.has(key) && to !== "keystone" && !o.includeSecrets) withheld.push(key);
    else lost.push(key);
  }
  return { name: region.values.name, lost, withheld };
}
