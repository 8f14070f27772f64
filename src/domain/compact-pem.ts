import type { Region } from "./region.ts";

/**
 * Certificates and keys held as their bytes. A region's `caCert`, `clientCert` and `clientKey`
 * are PEM text: base64 of DER bytes between two lines, a third larger than the bytes, and held
 * by the read snapshot for every region (10,000 regions: ~40 MiB of V8 heap, and the heap's slack
 * in proportion). A value that is exactly canonical PEM is kept instead as its label and decoded
 * bytes, in one buffer per region (outside V8's heap), and its text is rebuilt when read; every
 * other value (CRLF, other line widths, headers, a path, a placeholder…) stays the string it was.
 *
 * Canonical PEM, as `pemAt` writes it: one or more blocks `-----BEGIN L-----\n`, the base64
 * (standard alphabet, padded) in lines of 64 characters, `\n-----END L-----`, joined by `\n`,
 * with or without one final `\n`; L of 1–255 printable ASCII characters. Whether a value is
 * canonical is proved on the value itself (packAt): its armour read as pemAt writes it, and each
 * block's bytes, encoded again, the same as its body without the newlines that wrap it: a value
 * is packed only when the text rebuilt from it is the same string, so what is read is always what
 * was stored.
 */

/** The region fields held this way, in the order of their slots. */
export const pemFields = ["caCert", "clientCert", "clientKey"] as const satisfies readonly (keyof Region)[];
type PemField = (typeof pemFields)[number];

/*
 * A packed value, at its offset in the region's buffer: [final newline: 0 or 1][blocks: 1–255],
 * then for each block [label: its number in `labels`][DER length: u32 LE][DER].
 */

/** Where a value is packed while it is checked (grown as needed, never shrunk: a few KiB). */
let scratch = Buffer.allocUnsafeSlow(16 * 1024);

function reserve(at: number, bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, at + bytes));
  scratch.copy(bigger, 0, 0, at);
  scratch = bigger;
}

/**
 * The labels of the values packed (CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY…), each numbered once
 * for the life of the process, with the lines around a block of it: at most 256 (a value with a
 * 257th stays a string).
 */
interface Label {
  /** `-----BEGIN L-----` */
  begin: string;
  /** `-----END L-----` */
  end: string;
  /** the same after a newline, as packAt looks for it */
  close: string;
}
const labels: Label[] = [];
const labelNumbers = new Map<string, number>();

const begin = "-----BEGIN ";
const dashes = "-----";
/** a label as pemAt can write it: 1–255 printable ASCII characters */
const printable = /^[\x20-\x7e]{1,255}$/;

/**
 * Packs `text` into `scratch` at `at` if it is canonical PEM: the offset after it, or -1 (nothing
 * to rely on then in `scratch` past `at`). The proof is the text itself: the armour is read
 * exactly as pemAt writes it, and each block's base64, encoded again from the bytes decoded, must
 * be its body without the newlines that wrap it at 64 characters (canonicalBody): what is rebuilt
 * from the bytes is then the text, character for character.
 */
function packAt(text: string, at: number): number {
  if (!text.startsWith(begin)) return -1;
  const final = text.endsWith("\n") ? 1 : 0;
  const end = text.length - final;
  reserve(at, 2);
  let out = at + 2;
  let blocks = 0;
  for (let pos = 0; ; ) {
    if (!text.startsWith(begin, pos)) return -1;
    const labelEnd = text.indexOf(`${dashes}\n`, pos + begin.length);
    if (labelEnd < 0) return -1;
    const label = text.slice(pos + begin.length, labelEnd);
    let number = labelNumbers.get(label);
    if (number === undefined && (labels.length === 256 || !printable.test(label))) return -1;
    const bodyStart = labelEnd + dashes.length + 1;
    const close = number === undefined ? `\n-----END ${label}${dashes}` : (labels[number] as Label).close;
    const bodyEnd = text.indexOf(close, bodyStart);
    if (bodyEnd < 0 || bodyEnd + close.length > end) return -1;
    const body = text.slice(bodyStart, bodyEnd);
    // DER bytes: at most 3 per 4 characters (the newlines count, as if they were base64)
    reserve(out, 5 + Math.ceil((body.length * 3) / 4));
    const derAt = out + 5;
    // decoded without the newlines (Node's decoder takes a slower path past the first one)
    const bare = body.includes("\n") ? body.replaceAll("\n", "") : body;
    const der = bare.length === 0 ? 0 : scratch.write(bare, derAt, "base64");
    if (!canonicalBody(body, bare, scratch.toString("base64", derAt, derAt + der))) return -1;
    if (number === undefined) {
      number = labels.push({ begin: `${begin}${label}${dashes}`, end: close.slice(1), close }) - 1;
      labelNumbers.set(label, number);
    }
    scratch[out] = number;
    scratch[out + 1] = der & 0xff;
    scratch[out + 2] = (der >>> 8) & 0xff;
    scratch[out + 3] = (der >>> 16) & 0xff;
    scratch[out + 4] = der >>> 24;
    out = derAt + der;
    if (++blocks > 255) return -1;
    pos = bodyEnd + close.length;
    if (pos === end) break;
    if (text.charCodeAt(pos) !== 10) return -1;
    pos++;
  }
  scratch[at] = final;
  scratch[at + 1] = blocks;
  return out;
}

/**
 * Whether `body` is `base64` in lines of 64 characters joined by newlines (pemAt's wrapping),
 * given `bare`, the body without its newlines: as long as that, a newline after every 64
 * characters, and the same characters once the newlines are gone (another newline anywhere
 * would leave `bare` shorter).
 */
function canonicalBody(body: string, bare: string, base64: string): boolean {
  const newlines = base64.length === 0 ? 0 : Math.ceil(base64.length / 64) - 1;
  if (body.length !== base64.length + newlines) return false;
  for (let k = 1; k <= newlines; k++) if (body.charCodeAt(k * 65 - 1) !== 10) return false;
  return bare === base64;
}

/**
 * The text of the value packed at `at` in `bytes` (canonical PEM, as packAt checked it), made by
 * one join: a flat string, which JSON.stringify and the socket write read as they would the
 * stored one (a string concatenated piece by piece is flattened again by each reader).
 */
function pemAt(bytes: Buffer, at: number): string {
  const blocks = bytes[at + 1] as number;
  const lines: string[] = [];
  let pos = at + 2;
  for (let b = 0; b < blocks; b++) {
    const label = labels[bytes[pos] as number] as Label;
    const der =
      (bytes[pos + 1] as number) |
      ((bytes[pos + 2] as number) << 8) |
      ((bytes[pos + 3] as number) << 16) |
      ((bytes[pos + 4] as number) * 0x1000000);
    pos += 5;
    const base64 = bytes.toString("base64", pos, pos + der);
    pos += der;
    lines.push(label.begin);
    if (base64.length === 0) lines.push("");
    for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
    lines.push(label.end);
  }
  if (bytes[at] === 1) lines.push("");
  return lines.join("\n");
}

/** A copy of the first `length` bytes of `scratch` (a typed array's slice: a Buffer with its own memory). */
const copyOfScratch = (length: number): Buffer => Uint8Array.prototype.slice.call(scratch, 0, length) as Buffer;

/** `text` as packed bytes when it is canonical PEM, else null (see packAt). */
export function packPem(text: string): Buffer | null {
  const end = packAt(text, 0);
  return end < 0 ? null : copyOfScratch(end);
}

/** The text of a value packed by packPem. */
export const unpackPem = (packed: Buffer): string => pemAt(packed, 0);

/**
 * What a compact region holds in place of its three values, in pemFields order: each the value
 * itself (a string that is not canonical PEM, or null) or the offset of its packed form in the
 * buffer that ends the tuple.
 */
type Held = [string | number | null, string | number | null, string | number | null, Buffer];

/** The compact region's own slot (not enumerable: not copied by a spread, not shown by JSON). */
const held: unique symbol = Symbol("region certificates");
type Compact = Region & { [held]: Held };

/**
 * One property descriptor per field, shared by every compact region (and so one hidden class for
 * them all): an own, enumerable accessor, so that whatever reads the region — a property read,
 * a spread, Object.keys/entries, JSON.stringify, structuredClone — sees the text. Assigning
 * makes the property a plain one holding what was assigned, as on any object.
 */
const accessorOf = (field: PemField, slot: number): PropertyDescriptor => ({
  get(this: Compact): string | null {
    const h = this[held];
    const v = h[slot] as string | number | null;
    return typeof v === "number" ? pemAt(h[3], v) : v;
  },
  set(this: Region, value: unknown) {
    Object.defineProperty(this, field, { value, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
});
const accessors: Record<PemField, PropertyDescriptor> = {
  caCert: accessorOf("caCert", 0),
  clientCert: accessorOf("clientCert", 1),
  clientKey: accessorOf("clientKey", 2),
};

/**
 * `r` with its certificates and key held compactly (see above) when at least one of them is
 * canonical PEM; `r` itself otherwise. The region returned has the same keys in the same order,
 * and every read of it gives what reading `r` gives; `r` is not changed.
 */
export function compactCertificates(r: Region): Region {
  const values: Held = [null, null, null, scratch];
  let at = 0;
  let packed = 0;
  for (let slot = 0; slot < pemFields.length; slot++) {
    const v = r[pemFields[slot] as PemField];
    values[slot] = v;
    if (typeof v !== "string") continue;
    const end = packAt(v, at);
    if (end < 0) continue;
    values[slot] = at;
    at = end;
    packed++;
  }
  if (packed === 0) return r;
  values[3] = copyOfScratch(at);
  // r's own keys, in its order (answers are rendered in it), each pem field an accessor in its place
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (key === "caCert" || key === "clientCert" || key === "clientKey") Object.defineProperty(out, key, accessors[key]);
    else out[key] = (r as unknown as Record<string, unknown>)[key];
  }
  Object.defineProperty(out, held, { value: values, enumerable: false, writable: false, configurable: false });
  return out as unknown as Region;
}

/** Whether `r` holds some of its certificates compactly (for tests and measurements). */
export const isCompact = (r: Region): boolean => held in r;
