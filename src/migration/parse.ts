import { fromKeystoneCreate, keystoneFields, keystoneKeys, parseKeystoneBody } from "../adapters/keystone.ts";
import { fromRainbondAdd, parseRainbondAdd } from "../adapters/rainbond.ts";
import { type RainbondKey, rainbondFields, rainbondKeys } from "../adapters/rainbond-fields.ts";
import { GatewayError } from "../domain/errors.ts";
import { boundedCopy, jsonProblem, pathText } from "../domain/json-limits.ts";
import { checkRegionInput, newRegionInput, type RegionInput } from "../domain/region.ts";
import { detectFormat, expectedShapes } from "./detect.ts";
import {
  type DocRegion,
  DocumentError,
  type Field,
  type Format,
  fields,
  type ParsedDocument,
  redact,
  secretFieldSet,
} from "./document.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/**
 * A scalar as the text DRF would read it; never String() of an object or array: a user's
 * `{"toString":1}` makes that throw (and `["x"]` would read as "x").
 */
const scalarText = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;

/** Parses JSON text; a syntax error is a DocumentError with the parser's message. */
export function parseJsonText(text: string): unknown {
  try {
    // a UTF-8 byte order mark (editors on Windows write one) is not part of the document
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new DocumentError(`not valid JSON: ${(e as Error).message}`);
  }
}

const quote = 0x22;
const backslash = 0x5c;
const isJsonSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Parses a JSON document given as UTF-8 bytes, to the same value (or the same DocumentError) as
 * parseJsonText of its decoded text; blank text is "the document is empty". A document that is an array (the usual shape of a
 * catalogue) is parsed element by element: each element's bytes are decoded and parsed on their
 * own, so the whole document never exists as one string (tens of MiB: twice its byte size once
 * it holds a character beyond Latin-1, as any Chinese alias makes it). Anything else, and any
 * array whose elements do not all parse, goes through parseJsonText, which gives the parser's own
 * message for the error.
 */
export function parseJsonBytes(bytes: Buffer): unknown {
  const elements = arrayElements(bytes);
  if (elements) {
    const out: unknown[] = new Array(elements.length);
    let i = 0;
    for (const [start, end] of elements) {
      try {
        out[i++] = JSON.parse(bytes.toString("utf8", start, end));
      } catch {
        return parseJsonText(bytes.toString("utf8"));
      }
    }
    return out;
  }
  const text = bytes.toString("utf8");
  if (text.trim() === "") throw new DocumentError("the document is empty");
  return parseJsonText(text);
}

/**
 * Where the elements of a top-level JSON array lie in `bytes` ([start, end) each), found by its
 * structure alone: brackets and braces outside strings, and the commas between elements; the
 * strings themselves (most of a document) are skipped to their closing quote. Null when the
 * document is not an array (after an optional byte order mark and whitespace) or its structure
 * does not close as an array's; each element is left for JSON.parse to judge.
 */
function arrayElements(bytes: Buffer): [number, number][] | null {
  let at = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (isJsonSpace(bytes[at])) at++;
  if (bytes[at] !== 0x5b) return null; // [
  const elements: [number, number][] = [];
  let depth = 0;
  let start = at + 1;
  for (let i = at + 1; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === quote) {
      // to the closing quote: one not preceded by an odd number of backslashes
      for (;;) {
        i = bytes.indexOf(quote, i + 1);
        if (i < 0) return null;
        let escapes = 0;
        while (bytes[i - 1 - escapes] === backslash) escapes++;
        if (escapes % 2 === 0) break;
      }
    } else if (b === 0x5b || b === 0x7b) {
      depth++;
    } else if (b === 0x7d || (b === 0x5d && depth > 0)) {
      if (--depth < 0) return null;
    } else if (b === 0x5d) {
      // the array's end: the last element (none in `[]`), then only whitespace
      let empty = true;
      for (let j = start; j < i; j++) if (!isJsonSpace(bytes[j])) empty = false;
      if (!empty) elements.push([start, i]);
      else if (elements.length > 0) return null; // `[1,]`
      for (let j = i + 1; j < bytes.length; j++) if (!isJsonSpace(bytes[j])) return null;
      return elements;
    } else if (b === 0x2c && depth === 0) {
      elements.push([start, i]);
      start = i + 1;
    }
  }
  return null;
}

/**
 * Reads a document in `format`: the envelope first (a wrong or unknown shape is a
 * DocumentError), then every record, each either accepted or rejected with its reason. Each
 * record is held to the limits of every user JSON value (json-limits.ts) before anything else
 * reads it; a record that breaks them is rejected and shown cut to what can be shown.
 */
export function parseDocument(format: Format, doc: unknown): ParsedDocument {
  const detected = detectFormat(doc);
  if (detected === null) throw new DocumentError(`not a ${format} document: expected ${expectedShapes[format]}`);
  if (detected !== "empty" && detected !== format) {
    throw new DocumentError(`the document looks like a ${detected} document, not ${format}: expected ${expectedShapes[format]}`);
  }
  const items = itemsOf(format, doc);
  const parsed: ParsedDocument = { format, records: [], rejected: [] };
  items.forEach((raw, index) => {
    const problem = jsonProblem(raw);
    if (problem) {
      const where = pathText(problem.path);
      const reason = where ? `${where}: ${problem.message}` : problem.message;
      parsed.rejected.push({ index, name: nameOf(format, raw), reason, record: redact(boundedCopy(raw)) });
      return;
    }
    try {
      parsed.records.push({ index, region: parseRecord(format, raw), raw });
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      parsed.rejected.push({ index, name: nameOf(format, raw), reason: reasonOf(e), record: redact(raw) });
    }
  });
  return parsed;
}

function itemsOf(format: Format, doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (!isObject(doc)) throw new DocumentError(`not a ${format} document: expected ${expectedShapes[format]}`);
  if (format === "keystone") {
    if (Array.isArray(doc.regions)) return doc.regions;
    if (isObject(doc.region)) return [doc.region];
  }
  if (format === "rainbond" && Array.isArray(doc.data)) return doc.data;
  return [doc];
}

export function parseRecord(format: Format, raw: unknown): DocRegion {
  if (!isObject(raw)) throw new GatewayError("validation", "a record must be a JSON object");
  switch (format) {
    case "rainbond":
      return parseRainbondRecord(raw);
    case "keystone":
      return parseKeystoneRecord(raw);
    case "canonical":
      return parseCanonicalRecord(raw);
  }
}

/** The name a record gives itself, for reports, before it is validated. */
export function nameOf(format: Format, raw: unknown): string | null {
  if (!isObject(raw)) return null;
  const key = format === "rainbond" ? "region_name" : format === "keystone" ? "id" : "name";
  return scalarText(raw[key]) ?? null;
}

/** "field: message; field: message" from a validation error, else its message. */
export function reasonOf(e: GatewayError): string {
  if (!e.fields) return e.message;
  return Object.entries(e.fields)
    .map(([f, msgs]) => `${f}: ${msgs.join(" ")}`)
    .join("; ");
}

// ---------------------------------------------------------------------------------------------
// Rainbond

// what a document may hold longer than the console's add allows (up to the canonical 255)
const relaxedLength = ["region_name", "region_alias", "desc"] as const satisfies readonly RainbondKey[];
const endpointKeys = ["url", "wsurl", "httpdomain", "tcpdomain"] as const satisfies readonly RainbondKey[];
// Values that pass the console's own validators; used only to validate the other fields of a
// record whose endpoint is relaxed below, and replaced by the document's own value afterwards.
const stand: Partial<Record<RainbondKey, string>> = {
  region_name: "x",
  region_alias: "x",
  desc: "",
  url: "https://region.invalid",
  wsurl: "wss://region.invalid",
  httpdomain: "x",
  tcpdomain: "0.0.0.0",
};

/**
 * One Rainbond record: the console's add validation (parseRainbondAdd), with three relaxations a
 * document needs and the console's add does not: (1) endpoints may be missing (the console's own
 * v1 list omits wsurl, httpdomain and tcpdomain: they are then not carried); (2) endpoints may be
 * blank when status is "0" (editing), which is how the gateway shows a region created through /v3;
 * (3) region_name, region_alias and desc may be as long as the canonical model allows (255),
 * since a gateway region created through /v3 may be longer than the console's add limits.
 * A key the record states is carried, but a null or missing `token` / `key_file` is "not stated"
 * (the console's views print null for withheld secrets), so importing such a record never
 * erases a stored secret.
 */
function parseRainbondRecord(raw: Record<string, unknown>): DocRegion {
  const body: Record<string, unknown> = { ...raw };
  const kept: Partial<Record<RainbondKey, string>> = {};
  const missing = new Set<RainbondKey>();
  const editing = scalarText(raw.status)?.trim() === "0";
  for (const key of endpointKeys) {
    const v = raw[key];
    if (v === undefined) {
      body[key] = stand[key];
      missing.add(key);
    } else if (editing && typeof v === "string" && v.trim() === "") {
      body[key] = stand[key];
      kept[key] = "";
    }
  }
  if (raw.region_alias === undefined) {
    body.region_alias = stand.region_alias;
    missing.add("region_alias");
  }
  for (const key of relaxedLength) {
    const v = raw[key];
    const length = typeof v === "string" ? [...v.trim()].length : 0;
    if (typeof v === "string" && length > rainbondFields[key].rule.max && length <= 255) {
      body[key] = stand[key];
      kept[key] = v.trim();
    }
  }
  const values: RegionInput = fromRainbondAdd(parseRainbondAdd(body), "");
  const writable = values as unknown as Record<Field, unknown>;
  for (const [key, value] of Object.entries(kept)) writable[rainbondFields[key as RainbondKey].field] = value;
  // a stand-in validated the record; what the document did not say is stored as the canonical
  // default (the alias: the name)
  const defaults = newRegionInput(values.name, "");
  for (const key of missing) writable[rainbondFields[key].field] = defaults[rainbondFields[key].field];
  checkCanonical(values, raw.region_id !== undefined);

  const carried = new Set<Field>();
  for (const key of rainbondKeys) {
    const field = rainbondFields[key].field;
    if (raw[key] !== undefined && !(raw[key] === null && secretFieldSet.has(field))) carried.add(field);
  }
  return { values, carried };
}

// ---------------------------------------------------------------------------------------------
// Keystone

/**
 * One Keystone region object, as `/v3/regions` lists it: the create body's validation
 * (parseKeystoneBody / fromKeystoneCreate). `id` is required: a region without one could not be
 * matched by a second run. `links` is ignored; every other unknown key is an extra property.
 */
function parseKeystoneRecord(raw: Record<string, unknown>): DocRegion {
  const body = parseKeystoneBody({ region: raw });
  if (!body.id) throw new GatewayError("validation", "id is required", { fields: { id: ["is required in a document"] } });
  const values = fromKeystoneCreate(body, body.id, "");
  checkCanonical(values, false);
  // a key the record states is carried; type always is (a region without one is public, as
  // Keystone shows every region to every token), and so are the extras (every other key)
  const carried = new Set<Field>(["scope", "extra"]);
  for (const key of keystoneKeys) if (key in raw) carried.add(keystoneFields[key]);
  // the display name follows locales only when they name one (as a Keystone PATCH does)
  if (body.locales?.["zh-cn"] !== undefined || body.locales?.["en-us"] !== undefined) carried.add("alias");
  return { values, carried };
}

// ---------------------------------------------------------------------------------------------
// canonical

const storeOwned = new Set(["revision", "createdAt", "updatedAt"]);
const fieldSet = new Set<string>(fields);

/** One canonical record: every field optional but `name`; absent fields are not carried. */
function parseCanonicalRecord(raw: Record<string, unknown>): DocRegion {
  const problems: Record<string, string[]> = {};
  for (const key of Object.keys(raw)) {
    if (!fieldSet.has(key) && !storeOwned.has(key)) problems[key] = ["is not a canonical field"];
  }
  if (raw.name === undefined) problems.name = ["is required"];
  if (Object.keys(problems).length > 0) throw new GatewayError("validation", "invalid record", { fields: problems });
  // a name that is not a string is refused below (values.name is then the document's own value)
  const values = newRegionInput(typeof raw.name === "string" ? raw.name : "", "");
  const carried = new Set<Field>();
  for (const f of fields) {
    if (raw[f] === undefined) continue;
    (values as unknown as Record<string, unknown>)[f] = raw[f];
    carried.add(f);
  }
  if (!carried.has("alias")) values.alias = values.name;
  checkCanonical(values, carried.has("uid"));
  return { values, carried };
}

export function checkCanonical(values: RegionInput, uidStated = true): void {
  // an unstated uid ("") is generated later: validate the rest
  checkRegionInput(values.uid === "" && !uidStated ? { ...values, uid: "-" } : values);
}
