import { z } from "zod";
import { GatewayError } from "../domain/errors.ts";
import {
  newRegionInput,
  type Region,
  type RegionChanges,
  type RegionInput,
  type RegionStatus,
  secretFields,
} from "../domain/region.ts";
import {
  type DrfCharOptions,
  drfChar,
  drfMessages,
  keysWithout,
  type RainbondField,
  type RainbondKey,
  rainbondFields,
  rainbondKeys,
} from "./rainbond-fields.ts";

/**
 * canonical ⇄ Rainbond console OpenAPI. Pure functions: no I/O, no clock, no randomness
 * (callers pass generated ids in).
 */

export const statusToRainbond: Record<RegionStatus, string> = {
  editing: "0",
  enabled: "1",
  disabled: "2",
  maintenance: "3",
};
const statusFromWire = Object.fromEntries(Object.entries(statusToRainbond).map(([k, v]) => [v, k])) as Record<
  string,
  RegionStatus
>;

export function statusFromRainbond(wire: string | number): RegionStatus | undefined {
  return statusFromWire[String(wire).trim()];
}

export interface RainbondViewOptions {
  /** key_file and token are shown only to callers allowed to read secrets */
  includeSecrets: boolean;
}

/** A key's value in an answer: status as the console's code, a withheld secret null, else the canonical value. */
type Wire<K extends RainbondKey> = K extends "status" ? string : Region[RainbondField<K>];
export type RainbondView<K extends RainbondKey> = { [P in K]: Wire<P> };

const secretSet: ReadonlySet<string> = new Set(secretFields);

function wireValue<K extends RainbondKey>(key: K, r: Region, o: RainbondViewOptions): Wire<K> {
  const field: RainbondField = rainbondFields[key].field;
  if (field === "status") return statusToRainbond[r.status] as Wire<K>;
  if (secretSet.has(field) && !o.includeSecrets) return null as Wire<K>;
  return r[field] as Wire<K>;
}

/** A view of one console serializer: its keys, in its order, each shown as the table says. */
function viewOf<K extends RainbondKey>(keys: readonly K[]) {
  return (r: Region, o: RainbondViewOptions): RainbondView<K> => {
    const out = {} as RainbondView<K>;
    for (const key of keys) out[key] = wireValue(key, r, o);
    return out;
  };
}

/** Each console serializer the gateway answers with: its keys, in its own order. */
export const rainbondViewKeys = {
  /** RegionInfoSerializer (v1): every key of the table */
  v1Item: rainbondKeys,
  /** v2_RegionInfoSerializer: v1's without enterprise_id */
  v2Item: keysWithout(rainbondKeys, "enterprise_id"),
  /** RegionInfoResp (the documented fields) */
  v1ListItem: [
    "region_id",
    "region_name",
    "region_alias",
    "url",
    "wsurl",
    "httpdomain",
    "tcpdomain",
    "status",
    "desc",
    "scope",
    "ssl_ca_cert",
    "cert_file",
    "key_file",
  ] as const,
  /** RegionInfoRSerializer, region_id added (the console omits it) */
  v1Detail: [
    "region_id",
    "region_name",
    "region_alias",
    "url",
    "wsurl",
    "httpdomain",
    "tcpdomain",
    "scope",
    "ssl_ca_cert",
    "cert_file",
    "key_file",
    "desc",
    "status",
  ] as const,
};

/** The answer to v1 POST. */
export const toRainbondV1Item = viewOf(rainbondViewKeys.v1Item);

/** v2 show, and the answer to v2 POST / PUT / DELETE. */
export const toRainbondV2Item = viewOf(rainbondViewKeys.v2Item);

/** One entry of `GET /openapi/v1/regions`. */
export const toRainbondV1ListItem = viewOf(rainbondViewKeys.v1ListItem);

/** `GET /openapi/v1/regions/{id}`. */
export const toRainbondV1Detail = viewOf(rainbondViewKeys.v1Detail);

/** An entry of the v2 list: the v2 item plus the list serializer's enterprise_id and region_type. */
export function toRainbondV2ListItem(r: Region, o: RainbondViewOptions) {
  return { ...toRainbondV1Item(r, o), region_type: [] as string[] };
}

export interface PageQuery {
  query?: string | undefined;
  current?: string | undefined;
  pageSize?: string | undefined;
}

/**
 * `GET /openapi/v2/manage/regions`: `query` is a case-sensitive substring of name or alias
 * (the console's intent; its own code answers 500), `current`/`pageSize` default 1/99,
 * `0` for either disables paging, a page past the end is empty (the console answers 500).
 */
export function toRainbondV2Page(regions: readonly Region[], q: PageQuery, o: RainbondViewOptions) {
  const { total, page } = rainbondV2PageOf(regions, q);
  return { total, data: page.map((r) => toRainbondV2ListItem(r, o)) };
}

/** The regions of a v2 page (toRainbondV2Page's `data`, before each is shown) and how many matched. */
export function rainbondV2PageOf(regions: readonly Region[], q: PageQuery): { total: number; page: readonly Region[] } {
  const needle = q.query ?? "";
  const matched = needle ? regions.filter((r) => r.name.includes(needle) || r.alias.includes(needle)) : regions;
  const current = parsePositiveInt(q.current, 1);
  const pageSize = parsePositiveInt(q.pageSize, 99);
  const page = current === 0 || pageSize === 0 ? matched : matched.slice((current - 1) * pageSize, current * pageSize);
  return { total: matched.length, page };
}

// Python int(): an unparsable value falls back to the default; negatives count as "no paging".
function parsePositiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\s*[+-]?\d+\s*$/.test(value)) return fallback;
  return Math.max(0, Number.parseInt(value, 10));
}

/** A body schema: `keys` in the table's order, each with its table rule (and `overrides`). */
function bodySchema<K extends RainbondKey>(keys: readonly K[], overrides: Partial<Record<K, DrfCharOptions>> = {}) {
  const shape = {} as Record<K, ReturnType<typeof drfChar>>;
  for (const key of keys) shape[key] = drfChar({ ...rainbondFields[key].rule, ...overrides[key] });
  return z.object(shape);
}

/**
 * The add body (v1 and v2): RegionInfoSerializer, every key of the table in its order (the order
 * of `err` keys). `region_id` and `status` are optional, as the API documents say.
 */
export const rainbondAddSchema = bodySchema(rainbondKeys);

/** UpdateRegionReqSerializer's keys: everything but the immutable name and id, and the enterprise. */
const updateKeys = keysWithout(rainbondKeys, "region_id", "region_name", "enterprise_id");

/**
 * The PUT body (UpdateRegionReqSerializer's fields and order): a full replace of alias, endpoints
 * and status; omitted certificates and token are kept.
 */
export const rainbondUpdateSchema = bodySchema(updateKeys, { status: { required: true } });

export type RainbondAdd = z.infer<typeof rainbondAddSchema>;
export type RainbondUpdate = z.infer<typeof rainbondUpdateSchema>;

export function parseRainbondAdd(body: unknown): RainbondAdd {
  return parseWith(rainbondAddSchema, body);
}

export function parseRainbondUpdate(body: unknown): RainbondUpdate {
  return parseWith(rainbondUpdateSchema, body);
}

/** The canonical value of a validated wire value (`undefined`: the body did not say). */
function canonicalValue(key: RainbondKey, v: string | null): unknown {
  if (key === "status") return statusFromRainbond(v as string);
  if (key === "enterprise_id") return v || null; // "" is no enterprise
  return v;
}

/** What the body states, as canonical changes: every key it carries (null clears a nullable field). */
function changesOf<K extends RainbondKey>(keys: readonly K[], body: Partial<Record<K, string | null>>): RegionChanges {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = body[key];
    if (v !== undefined) out[rainbondFields[key].field] = canonicalValue(key, v);
  }
  return out as RegionChanges;
}

/**
 * A validated add body → a canonical region. `uid` is used when the body has no region_id.
 * Locales, parent and extras are Rainbond-less: none; what the body omits takes the defaults,
 * except status: a region added with all its endpoints is usable, enabled unless the body says.
 */
export function fromRainbondAdd(add: RainbondAdd, uid: string): RegionInput {
  const base = newRegionInput(add.region_name as string, uid);
  return { ...base, status: "enabled", ...changesOf(rainbondKeys, add) } as RegionInput;
}

/** A validated PUT body → the changes it makes. Locales, parent and extras are never touched. */
export function fromRainbondUpdate(u: RainbondUpdate): RegionChanges {
  // required keys are always there; an omitted optional one (desc, scope, token, certificates) is kept
  return changesOf(updateKeys, u);
}

function parseWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const got = pythonTypeName(body);
    throw new GatewayError("validation", "invalid body", { fields: { non_field_errors: [drfMessages.notAnObject(got)] } });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0]);
    fields[field] = [...(fields[field] ?? []), issue.message];
  }
  throw new GatewayError("validation", "invalid body", { fields });
}

/** The type name DRF puts in its "expected a dictionary" message (the body as Python sees it). */
function pythonTypeName(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    default:
      return typeof value;
  }
}
