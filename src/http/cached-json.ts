import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { Catalog } from "../catalog/service.ts";
import { noneMatchHit } from "./conditional.ts";

const encoder = new TextEncoder();

/** A 200 JSON answer ready to send: its JSON (as UTF-8 bytes when kept) and its ETag. */
export interface Answer {
  body: Uint8Array | string;
  etag: string;
}

/**
 * A JSON answer rendered once per catalogue version and key (see Catalog.memo), kept as UTF-8
 * bytes so a hit costs neither JSON.stringify nor encoding. Its ETag is a hash of those bytes:
 * it changes exactly when what this caller sees changes (not on every catalogue write).
 */
export function cachedAnswer(catalog: Catalog, key: string, render: () => unknown): Answer {
  const body = catalog.memo(key, () => jsonBytes(render()));
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = `"l-${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    etags.set(body, etag);
  }
  return { body, etag };
}

/** The ETag of each kept rendering: computed once, and gone with it. */
const etags = new WeakMap<Uint8Array, string>();

/**
 * A JSON array whose items are made as they are written: `each` of every source item, in order.
 * An answer of thousands of regions then never holds all of their shown forms at once (a region's
 * certificates are text made when read: domain/compact-pem.ts), and no JSON text of the whole
 * answer is made (jsonBytes). Anything else that serialises it (JSON.stringify) sees the array.
 */
export class JsonItems<T> {
  constructor(
    readonly source: readonly T[],
    readonly each: (item: T) => unknown,
  ) {}

  toJSON(): unknown[] {
    return this.source.map(this.each);
  }
}

export const jsonItems = <T>(source: readonly T[], each: (item: T) => unknown): JsonItems<T> => new JsonItems(source, each);

/**
 * The UTF-8 bytes of JSON.stringify(value), the same bytes: where the value is JsonItems, or a
 * plain object with JsonItems among its own values, those items are serialised and encoded one
 * at a time (JSON.stringify of an array is its items' JSON joined by commas, `null` for what has
 * none; of an object, each own enumerable key with a JSON value, in Object.keys order).
 */
export function jsonBytes(value: unknown): Uint8Array {
  const lazy = value instanceof JsonItems || (isPlainObject(value) && Object.values(value).some((v) => v instanceof JsonItems));
  if (!lazy) return encoder.encode(JSON.stringify(value));
  const out = new ByteSink();
  const items = (v: JsonItems<unknown>) => {
    out.write("[");
    for (let i = 0; i < v.source.length; i++) {
      if (i > 0) out.write(",");
      out.write(JSON.stringify(v.each(v.source[i])) ?? "null");
    }
    out.write("]");
  };
  if (value instanceof JsonItems) items(value);
  else {
    out.write("{");
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const json = v instanceof JsonItems ? null : JSON.stringify(v);
      if (json === undefined) continue;
      out.write(`${first ? "" : ","}${JSON.stringify(k)}:`);
      first = false;
      if (json === null) items(v as JsonItems<unknown>);
      else out.write(json);
    }
    out.write("}");
  }
  return out.bytes();
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** UTF-8 written in chunks of 64 KiB, joined once at the end: exactly as long as what was written. */
class ByteSink {
  private readonly full: Uint8Array[] = [];
  private chunk = new Uint8Array(64 * 1024);
  private at = 0;
  private length = 0;

  write(text: string): void {
    let rest = text;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.chunk.subarray(this.at));
      this.at += written;
      this.length += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      this.full.push(this.chunk.subarray(0, this.at));
      // a UTF-16 unit is at most 3 bytes: the rest fits in the next chunk
      this.chunk = new Uint8Array(Math.max(64 * 1024, rest.length * 3));
      this.at = 0;
    }
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of [...this.full, this.chunk.subarray(0, this.at)]) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/**
 * One region's answer: rendered per request (a small JSON text costs less to render than a
 * cache entry per region would hold, and would crowd the lists out of the memo); its ETag is the
 * region's (etagOf).
 */
export const regionAnswer = (region: { uid: string; revision: number }, body: unknown): Answer => ({
  body: JSON.stringify(body),
  etag: etagOf(region),
});

/**
 * What is sent for an answer: 200 with its JSON and ETag, or 304 without a body when
 * `If-None-Match` names it. Both ways a read is answered (hono's routes, the read lane) send this.
 */
export function conditionalAnswer(
  ifNoneMatch: string | undefined,
  a: Answer,
): { status: 200 | 304; headers: Record<string, string>; body: Uint8Array | string | null } {
  if (noneMatchHit(ifNoneMatch, a.etag)) return { status: 304, headers: { ETag: a.etag }, body: null };
  return { status: 200, headers: { "Content-Type": "application/json", ETag: a.etag }, body: a.body };
}

/**
 * The answer as hono sends it. A Response with plain headers: the HTTP adapter writes them as
 * they are (the context's helpers would build a Headers object for two headers, which costs more
 * than the rest).
 */
export function answerResponse(c: Context, a: Answer): Response {
  const { status, headers, body } = conditionalAnswer(c.req.header("If-None-Match"), a);
  return new Response(body as Uint8Array<ArrayBuffer> | string | null, { status, headers });
}

/**
 * A region's ETag: its uid and revision, bumped by every write (docs/design.md). The uid is
 * percent-encoded: a Rainbond region_id may hold any text (Arabic, a quote) and a header only
 * Latin-1 (an ETag only visible ASCII but `"`); a hex uid reads as itself.
 */
export const etagOf = (r: { uid: string; revision: number }): string => `"${encodeURIComponent(r.uid)}.${r.revision}"`;
