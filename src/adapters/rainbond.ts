import { z } from "zod";
import { GatewayError } from "../domain/errors.ts";
import type { Region, RegionChanges, RegionInput, RegionStatus } from "../domain/region.ts";
import { checks, drfChar, drfMessages } from "./rainbond-fields.ts";

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

/** v2_RegionInfoSerializer: v2 show, and the answer to v2 POST / PUT / DELETE. Field order as the console's. */
export function toRainbondV2Item(r: Region, o: RainbondViewOptions) {
  return {
    region_id: r.uid,
    region_name: r.name,
    region_alias: r.alias,
    url: r.apiUrl,
    token: o.includeSecrets ? r.regionToken : null,
    wsurl: r.wsUrl,
    httpdomain: r.httpDomain,
    tcpdomain: r.tcpDomain,
    scope: r.scope,
    ssl_ca_cert: r.caCert,
    cert_file: r.clientCert,
    key_file: o.includeSecrets ? r.clientKey : null,
    status: statusToRainbond[r.status],
    desc: r.description,
  };
}

/** RegionInfoSerializer (v1): the v2 item plus enterprise_id; the answer to v1 POST. */
export function toRainbondV1Item(r: Region, o: RainbondViewOptions) {
  return { ...toRainbondV2Item(r, o), enterprise_id: r.enterpriseId };
}

/** RegionInfoResp: one entry of `GET /openapi/v1/regions` (the documented fields). */
export function toRainbondV1ListItem(r: Region, o: RainbondViewOptions) {
  return {
    region_id: r.uid,
    region_name: r.name,
    region_alias: r.alias,
    url: r.apiUrl,
    wsurl: r.wsUrl,
    httpdomain: r.httpDomain,
    tcpdomain: r.tcpDomain,
    status: statusToRainbond[r.status],
    desc: r.description,
    scope: r.scope,
    ssl_ca_cert: r.caCert,
    cert_file: r.clientCert,
    key_file: o.includeSecrets ? r.clientKey : null,
  };
}

/** RegionInfoRSerializer: `GET /openapi/v1/regions/{id}`; region_id added (the console omits it). */
export function toRainbondV1Detail(r: Region, o: RainbondViewOptions) {
  return {
    region_id: r.uid,
    region_name: r.name,
    region_alias: r.alias,
    url: r.apiUrl,
    wsurl: r.wsUrl,
    httpdomain: r.httpDomain,
    tcpdomain: r.tcpDomain,
    scope: r.scope,
    ssl_ca_cert: r.caCert,
    cert_file: r.clientCert,
    key_file: o.includeSecrets ? r.clientKey : null,
    desc: r.description,
    status: statusToRainbond[r.status],
  };
}

/** An entry of the v2 list: the v2 item plus the list serializer's enterprise_id and region_type. */
export function toRainbondV2ListItem(r: Region, o: RainbondViewOptions) {
  return { ...toRainbondV2Item(r, o), enterprise_id: r.enterpriseId, region_type: [] as string[] };
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
  const needle = q.query ?? "";
  const matched = needle ? regions.filter((r) => r.name.includes(needle) || r.alias.includes(needle)) : regions;
  const current = parsePositiveInt(q.current, 1);
  const pageSize = parsePositiveInt(q.pageSize, 99);
  const page = current === 0 || pageSize === 0 ? matched : matched.slice((current - 1) * pageSize, current * pageSize);
  return { total: matched.length, data: page.map((r) => toRainbondV2ListItem(r, o)) };
}

// Python int(): an unparsable value falls back to the default; negatives count as "no paging".
function parsePositiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\s*[+-]?\d+\s*$/.test(value)) return fallback;
  return Math.max(0, Number.parseInt(value, 10));
}

// One rule per field, shared by the add and PUT bodies.
const fields = {
  region_id: drfChar({ max: 36, check: checks.pathSafe }),
  region_name: drfChar({ required: true, max: 64, check: checks.pathSafe }),
  region_alias: drfChar({ required: true, max: 64 }),
  url: drfChar({ required: true, max: 256, check: checks.apiUrl }),
  token: drfChar({ allowNull: true, allowBlank: true, max: 255 }),
  wsurl: drfChar({ required: true, max: 256, check: checks.wsUrl }),
  httpdomain: drfChar({ required: true, max: 256 }),
  tcpdomain: drfChar({ required: true, max: 256, check: checks.tcpDomain }),
  scope: drfChar({ max: 10, check: checks.scope }),
  ssl_ca_cert: drfChar({ allowNull: true, allowBlank: true }),
  cert_file: drfChar({ allowNull: true, allowBlank: true }),
  key_file: drfChar({ allowNull: true, allowBlank: true }),
  desc: drfChar({ allowBlank: true, max: 200 }),
  enterprise_id: drfChar({ allowNull: true, allowBlank: true, max: 36 }),
};
const optionalStatus = drfChar({ max: 2, check: checks.status });
const requiredStatus = drfChar({ required: true, max: 2, check: checks.status });

/**
 * The add body (v1 and v2), fields in RegionInfoSerializer's order (the order of `err` keys).
 * `region_id` and `status` are optional, as the API documents say.
 */
const addSchema = z.object({
  region_id: fields.region_id,
  region_name: fields.region_name,
  region_alias: fields.region_alias,
  url: fields.url,
  token: fields.token,
  wsurl: fields.wsurl,
  httpdomain: fields.httpdomain,
  tcpdomain: fields.tcpdomain,
  scope: fields.scope,
  ssl_ca_cert: fields.ssl_ca_cert,
  cert_file: fields.cert_file,
  key_file: fields.key_file,
  status: optionalStatus,
  desc: fields.desc,
  enterprise_id: fields.enterprise_id,
});

/**
 * The PUT body (UpdateRegionReqSerializer's fields and order): a full replace of alias, endpoints
 * and status; omitted certificates and token are kept.
 */
const updateSchema = z.object({
  region_alias: fields.region_alias,
  url: fields.url,
  token: fields.token,
  wsurl: fields.wsurl,
  httpdomain: fields.httpdomain,
  tcpdomain: fields.tcpdomain,
  scope: fields.scope,
  ssl_ca_cert: fields.ssl_ca_cert,
  cert_file: fields.cert_file,
  key_file: fields.key_file,
  status: requiredStatus,
  desc: fields.desc,
});

export type RainbondAdd = z.infer<typeof addSchema>;
export type RainbondUpdate = z.infer<typeof updateSchema>;

export function parseRainbondAdd(body: unknown): RainbondAdd {
  return parseWith(addSchema, body);
}

export function parseRainbondUpdate(body: unknown): RainbondUpdate {
  return parseWith(updateSchema, body);
}

/** A validated add body → a canonical region. `uid` is used when the body has no region_id. */
export function fromRainbondAdd(add: RainbondAdd, uid: string): RegionInput {
  return {
    uid: add.region_id ?? uid,
    name: add.region_name as string,
    alias: add.region_alias as string,
    locales: {},
    description: add.desc ?? "",
    scope: (add.scope ?? "private") as Region["scope"],
    // A region added with all its endpoints is usable: enabled unless the caller says otherwise.
    status: add.status ? (statusFromRainbond(add.status) as RegionStatus) : "enabled",
    parentName: null,
    apiUrl: add.url as string,
    wsUrl: add.wsurl as string,
    httpDomain: add.httpdomain as string,
    tcpDomain: add.tcpdomain as string,
    caCert: add.ssl_ca_cert ?? null,
    clientCert: add.cert_file ?? null,
    clientKey: add.key_file ?? null,
    regionToken: add.token ?? null,
    enterpriseId: add.enterprise_id || null,
    extra: {},
  };
}

/** A validated PUT body → the changes it makes. Locales, parent and extras are never touched. */
export function fromRainbondUpdate(u: RainbondUpdate): RegionChanges {
  const changes: RegionChanges = {
    alias: u.region_alias as string,
    apiUrl: u.url as string,
    wsUrl: u.wsurl as string,
    httpDomain: u.httpdomain as string,
    tcpDomain: u.tcpdomain as string,
    status: statusFromRainbond(u.status as string) as RegionStatus,
  };
  if (u.desc !== undefined) changes.description = u.desc ?? "";
  if (u.scope !== undefined) changes.scope = u.scope as Region["scope"];
  // undefined (omitted) keeps the stored value; null clears it
  if (u.token !== undefined) changes.regionToken = u.token;
  if (u.ssl_ca_cert !== undefined) changes.caCert = u.ssl_ca_cert;
  if (u.cert_file !== undefined) changes.clientCert = u.cert_file;
  if (u.key_file !== undefined) changes.clientKey = u.key_file;
  return changes;
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
