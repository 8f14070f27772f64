import { rainbondKeyOf } from "../adapters/rainbond-fields.ts";
import { type Region, type RegionInput, redactedMarker, regionInputFields, secretFields } from "../domain/region.ts";

/** The three document formats the migration toolkit reads and writes. */
export const formats = ["rainbond", "keystone", "canonical"] as const;
export type Format = (typeof formats)[number];

export const isFormat = (value: unknown): value is Format => formats.includes(value as Format);

export type Field = keyof RegionInput;

/** Canonical field order (the table in docs/design.md): canonical documents and reports use it. */
export const fields: readonly Field[] = regionInputFields;

export const secretFieldSet: ReadonlySet<Field> = new Set<Field>(secretFields);

/** The keys that hold a secret, in the formats that carry secrets: canonical and Rainbond. */
export const secretKeys: ReadonlySet<string> = new Set([...secretFields, ...secretFields.map((f) => rainbondKeyOf[f])]);

/**
 * One region as a document states it. `values` is a whole canonical record (defaults where the
 * document is silent); `carried` names the fields the document actually states. An import
 * changes only carried fields of an existing region, so a format that cannot express a field
 * (Rainbond: locales, parent, extras) never erases it, and withheld secrets are kept.
 */
export interface DocRegion {
  values: RegionInput;
  carried: ReadonlySet<Field>;
}

/** A record the toolkit refused: its position in the document, its name when readable, why. */
export interface Rejection {
  index: number;
  name: string | null;
  reason: string;
  /** the record as the document gave it, secrets redacted */
  record: unknown;
}

/** A parsed document: the readable records (with their positions) and the refused ones. */
export interface ParsedDocument {
  format: Format;
  records: { index: number; region: DocRegion; raw: unknown }[];
  rejected: Rejection[];
}

/** A document that cannot be read at all (not JSON, wrong shape, wrong format). */
export class DocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DocumentError";
  }
}

/** A catalogue region as a document record: every field carried. */
export function fromCatalogRegion(r: Region): DocRegion {
  return { values: inputOf(r), carried: new Set(fields) };
}

/** The writable part of a stored region. */
export function inputOf(r: Region | RegionInput): RegionInput {
  const out = {} as Record<Field, unknown>;
  for (const f of fields) out[f] = r[f];
  return out as RegionInput;
}

/** A RegionInput dressed as a Region for the adapters' view functions (which read no store fields). */
export function asRegion(values: RegionInput): Region {
  return { ...values, revision: 0, createdAt: "", updatedAt: "" };
}

/** A record as given, for a report: secret values replaced. */
export function redact(record: unknown): unknown {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    Object.defineProperty(out, k, {
      value: secretKeys.has(k) && v !== null && v !== undefined ? redactedMarker : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const bo = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(bo, k) && sameJson((a as Record<string, unknown>)[k], bo[k]));
}
