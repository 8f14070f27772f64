import { GatewayError } from "../domain/errors.ts";
import {
  defaultLocale,
  isStorableText,
  nameProblemMessages,
  nameProblems,
  newRegionInput,
  type Region,
  type RegionChanges,
  type RegionInput,
  storageProblem,
  unstorableMessage,
} from "../domain/region.ts";

/**
 * canonical ⇄ Keystone / Huawei IAM `/v3/regions`. Pure functions: no I/O, no clock, no
 * randomness (callers pass generated ids in). Secrets and Rainbond endpoints never appear here.
 */

/**
 * Keystone's region keys, in the order `/v3` shows them (after the extra properties), each with
 * the canonical field it carries. `links` is computed and read-only; every other key of a region
 * object is an extra property.
 */
export const keystoneFields = {
  id: "name",
  description: "description",
  parent_region_id: "parentName",
  type: "scope",
  locales: "locales",
} as const satisfies Record<string, keyof RegionInput>;

export type KeystoneKey = keyof typeof keystoneFields;
export const keystoneKeys = Object.keys(keystoneFields) as KeystoneKey[];

/** Keys with a meaning of their own; every other key of a region body is an extra property. */
const ownKeys: ReadonlySet<string> = new Set([...keystoneKeys, "links"]);

export function regionUrl(baseUrl: string, id: string): string {
  // Keystone joins the id raw, without URL-encoding it.
  return `${baseUrl}/v3/regions/${id}`;
}

export function toKeystoneRegion(r: Region, baseUrl: string) {
  const extra = Object.fromEntries(Object.entries(r.extra).filter(([k]) => !ownKeys.has(k)));
  const own = {} as { [K in KeystoneKey]: Region[(typeof keystoneFields)[K]] };
  for (const key of keystoneKeys) (own as Record<KeystoneKey, unknown>)[key] = r[keystoneFields[key]];
  // Huawei's Go SDK has no omitempty on zh-cn and en-us: both are always emitted. The display
  // name (alias) is Chinese by convention, so en-us falls back to the region's id, not to it.
  const locales: Record<string, string> = { ...r.locales };
  locales["zh-cn"] ??= r.alias;
  locales["en-us"] ??= r.name;
  return { ...extra, ...own, locales, links: { self: regionUrl(baseUrl, r.name) } };
}

export type KeystoneRegion = ReturnType<typeof toKeystoneRegion>;

export interface ListQuery {
  parent_region_id?: string | undefined;
  /** the `openstack` CLI's fallback lookup: filters by id */
  name?: string | undefined;
  /** Keystone's inexact filters, e.g. `parent_region_id__startswith` → ["startswith", "cn-"] */
  inexact?: readonly (readonly [string, string])[];
}

// Keystone's inexact comparators (keystone/common/driver_hints.py), on parent_region_id
const comparators: Record<string, (value: string, wanted: string) => boolean> = {
  contains: (v, w) => v.includes(w),
  icontains: (v, w) => v.toLowerCase().includes(w.toLowerCase()),
  startswith: (v, w) => v.startsWith(w),
  istartswith: (v, w) => v.toLowerCase().startsWith(w.toLowerCase()),
  endswith: (v, w) => v.endsWith(w),
  iendswith: (v, w) => v.toLowerCase().endsWith(w.toLowerCase()),
};

/** The inexact filters of a query string (`parent_region_id__<comparator>=value`); others are ignored, as Keystone 22. */
export function inexactFilters(params: URLSearchParams): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of params) {
    const m = /^parent_region_id__(\w+)$/.exec(key);
    // own keys only: `in` would find "__proto__", "toString", … on Object.prototype
    if (m?.[1] && Object.hasOwn(comparators, m[1])) out.push([m[1], value]);
  }
  return out;
}

/** `GET /v3/regions`: `selfUrl` is the URL as requested, query included (Keystone echoes it). */
export function toKeystoneList(regions: readonly Region[], q: ListQuery, baseUrl: string, selfUrl: string) {
  const picked = regions.filter(
    (r) =>
      (q.parent_region_id === undefined || r.parentName === q.parent_region_id) &&
      (q.name === undefined || r.name === q.name) &&
      // a region without a parent never matches an inexact filter (SQL: NULL LIKE … is not true)
      (q.inexact ?? []).every(
        ([op, wanted]) => r.parentName !== null && (comparators[op] as (v: string, w: string) => boolean)(r.parentName, wanted),
      ),
  );
  return {
    regions: picked.map((r) => toKeystoneRegion(r, baseUrl)),
    links: { self: selfUrl, previous: null, next: null },
  };
}

/** The writable fields of a `{"region": {...}}` body, validated. */
export interface KeystoneRegionBody {
  id?: string;
  description?: string; // null already turned into ""
  parentName?: string | null;
  scope?: Region["scope"];
  locales?: Record<string, string>;
  extra: Record<string, unknown>;
}

/** POST/PUT/PATCH bodies: `{"region": {...}}`. */
export function parseKeystoneBody(body: unknown): KeystoneRegionBody {
  const wrapper = body as { region?: unknown } | null;
  const region = typeof wrapper === "object" && wrapper !== null && !Array.isArray(wrapper) ? wrapper.region : undefined;
  if (typeof region !== "object" || region === null || Array.isArray(region)) {
    // Keystone validates the value of "region" at the schema's root: no "Invalid input for field" prefix
    // (captures 28 and 29, whose messages go on with jsonschema's dump of the schema)
    throw new GatewayError("validation", `${repr(region)} is not of type 'object'`, {
      fields: { region: ["is not of type 'object'"] },
    });
  }
  const src = region as Record<string, unknown>;
  const out: KeystoneRegionBody = { extra: {} };
  for (const [key, value] of Object.entries(src)) {
    switch (key) {
      case "id":
        if (typeof value !== "string") throw invalid("id", repr(value), "is not of type 'string'");
        out.id = value;
        break;
      case "description":
        if (value !== null && typeof value !== "string")
          throw invalid("description", repr(value), "is not of type 'string', 'null'");
        if (typeof value === "string" && [...value].length > 255) throw invalid("description", repr(value), "is too long");
        if (typeof value === "string" && !isStorableText(value)) throw invalid("description", repr(value), unstorableMessage);
        out.description = value ?? "";
        break;
      case "parent_region_id":
        if (value !== null && typeof value !== "string")
          throw invalid("parent_region_id", repr(value), "is not of type 'string', 'null'");
        out.parentName = value === "" ? null : value;
        break;
      case "type":
        if (value !== "public" && value !== "private") throw invalid("type", repr(value), "is not one of ['public', 'private']");
        out.scope = value;
        break;
      case "locales":
        if (
          typeof value !== "object" ||
          value === null ||
          Array.isArray(value) ||
          Object.values(value).some((v) => typeof v !== "string")
        ) {
          throw invalid("locales", repr(value), "is not an object of strings");
        }
        // a locale's name becomes the region's display name (alias): the same 255 limit
        for (const [locale, name] of Object.entries(value as Record<string, string>)) {
          if ([...name].length > 255) throw invalid(`locales/${locale}`, repr(name), "is too long");
          if (!isStorableText(locale) || !isStorableText(name)) throw invalid(`locales/${locale}`, repr(name), unstorableMessage);
        }
        out.locales = value as Record<string, string>;
        break;
      case "links":
        break; // read-only, as in Keystone's responses
      default: {
        // the canonical rules for what PostgreSQL holds, under the property's own name
        const problem = isStorableText(key) ? storageProblem(value, 1) : unstorableMessage;
        if (problem) throw invalid(key, repr(value), problem);
        // defineProperty, not assignment: a key named "__proto__" is data, not the object's prototype
        Object.defineProperty(out.extra, key, { value, enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return out;
}

export function checkRegionId(id: string): void {
  if ([...id].length > 255) {
    // Keystone's StringLengthExceeded, word for word (capture 31)
    throw new GatewayError(
      "validation",
      `String length exceeded. The length of string '${id}' exceeds the limit of column id(CHAR(255)).`,
      { fields: { id: ["is too long"] } },
    );
  }
  // the domain's name rule: ids travel in URL paths (`/v3/regions/.` and `/v3/regions/..` are
  // normalised away by every URL parser: such a region could never be shown, patched or deleted)
  const [problem] = nameProblems(id);
  if (problem) throw invalid("id", repr(id), nameProblemMessages[problem]);
}

/**
 * A parent id that no region can have (too long, '/', control characters) names no region:
 * Keystone answers that with RegionNotFound (404), not with a validation error.
 */
function checkParentId(parent: string | null | undefined): void {
  if (parent === null || parent === undefined) return;
  if ([...parent].length > 255 || nameProblems(parent).length > 0) {
    throw new GatewayError("not_found", `parent region ${parent} does not exist`, {
      subject: parent,
      fields: { parentName: ["does not exist"] },
    });
  }
}

/**
 * A parsed create body → a canonical region. `generatedId` names the region when the body
 * has no id (or an empty one), as Keystone does; `uid` is the new canonical uid.
 * Regions created through /v3 have no cluster endpoints yet: status "editing".
 */
export function fromKeystoneCreate(b: KeystoneRegionBody, generatedId: string, uid: string): RegionInput {
  const name = b.id ? b.id : generatedId;
  checkRegionId(name);
  checkParentId(b.parentName);
  const base = newRegionInput(name, uid);
  return {
    ...base,
    alias: b.locales?.[defaultLocale] ?? b.locales?.["en-us"] ?? name,
    locales: b.locales ?? {},
    description: b.description ?? "",
    // Keystone shows every region to every token: a region created here is public unless it says otherwise.
    scope: b.scope ?? "public",
    parentName: b.parentName ?? null,
    extra: b.extra,
  };
}

/** A parsed PATCH body → the changes it makes; endpoints, certificates and tokens are never touched. */
export function fromKeystoneUpdate(b: KeystoneRegionBody, urlId: string, current: Region): RegionChanges {
  checkMatchingId(b, urlId);
  checkParentId(b.parentName);
  const changes: RegionChanges = {};
  if (b.description !== undefined) changes.description = b.description;
  if (b.parentName !== undefined) changes.parentName = b.parentName;
  if (b.scope !== undefined) changes.scope = b.scope;
  if (b.locales !== undefined) {
    changes.locales = b.locales;
    const display = b.locales[defaultLocale];
    if (display !== undefined) changes.alias = display;
  }
  if (Object.keys(b.extra).length > 0) changes.extra = { ...current.extra, ...b.extra };
  return changes;
}

/** PATCH: an `id` in the body must be the URL's (Keystone's `_require_matching_id`, checked before the lookup). */
export function checkMatchingId(b: KeystoneRegionBody, urlId: string): void {
  if (b.id !== undefined && b.id !== urlId) throw new GatewayError("bad_request", "Cannot change ID");
}

/** Keystone answers `{"region": {}}` on PATCH with 400 (the schema's minProperties: 1). */
export function isEmptyUpdate(body: unknown): boolean {
  const region = (body as { region?: unknown } | null)?.region;
  return typeof region === "object" && region !== null && Object.keys(region).length === 0;
}

function invalid(field: string, value: string, problem: string): GatewayError {
  return new GatewayError("validation", `Invalid input for field '${field}': ${value} ${problem}`, {
    fields: { [field]: [problem] },
  });
}

// Python's repr() of a JSON value, as jsonschema messages show it.
function repr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  return JSON.stringify(value);
}
