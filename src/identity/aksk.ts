import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Verifies requests signed by the Huawei Cloud SDKs (core/auth/AKSKSigner):
 *   Authorization: SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<a;b;c>, Signature=<hex>
 * The canonical request is rebuilt exactly as the SDK builds it:
 *   METHOD \n URI (each segment encoded, trailing "/") \n sorted encoded query \n
 *   "name:value\n" per signed header \n signed header names \n sha256(body)
 * and the string to sign is "SDK-HMAC-SHA256\n<X-Sdk-Date>\n<sha256(canonical request)>".
 */
export interface SignedRequest {
  method: string;
  /** raw path, as received (percent-encoding kept) */
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  body: string;
}

export type SignatureCheck =
  | { ok: true; accessKey: string }
  | { ok: false; reason: "malformed" | "unknown_key" | "bad_signature" | "skewed_date" };

const algorithm = "SDK-HMAC-SHA256";
export const maxSkewMs = 15 * 60 * 1000;
const headerPattern = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/;

export const isSdkSigned = (authorization: string | undefined): boolean =>
  authorization?.trimStart().startsWith(`${algorithm} `) ?? false;

export function verifySignedRequest(
  req: SignedRequest,
  secretFor: (accessKey: string) => string | undefined,
  now: number,
): SignatureCheck {
  const match = headerPattern.exec(req.header("Authorization")?.trim() ?? "");
  const date = req.header("X-Sdk-Date");
  if (!match || !date) return { ok: false, reason: "malformed" };
  const [, accessKey, signedHeaders, signature] = match as unknown as [string, string, string, string];
  const when = parseSdkDate(date);
  if (when === null) return { ok: false, reason: "malformed" };
  if (Math.abs(now - when) > maxSkewMs) return { ok: false, reason: "skewed_date" };
  const names = signedHeaders.split(";");
  if (!names.includes("x-sdk-date") || !names.includes("host") || names.some((n) => n !== n.toLowerCase())) {
    return { ok: false, reason: "malformed" };
  }
  // A declared body hash must be the body's: otherwise a captured signature would carry any body.
  const declared = req.header("X-Sdk-Content-Sha256");
  const bodyless = ["GET", "HEAD", "DELETE"].includes(req.method.toUpperCase());
  if (declared !== undefined && declared !== sha256(req.body) && !(declared === "UNSIGNED-PAYLOAD" && bodyless)) {
    return { ok: false, reason: "bad_signature" };
  }
  const secret = secretFor(accessKey);
  if (secret === undefined) return { ok: false, reason: "unknown_key" };
  const given = Buffer.from(signature, "hex");
  // The SDK core's own GETs (the domain lookup at /v3/auth/domains) carry `data: {}`, and the
  // signer hashes "{}" though no GET body reaches the server: for a bodyless method either hash is
  // the request's (the body is never read, so accepting it lets nothing through).
  const payloads = declared === undefined && bodyless && req.body === "" ? [sha256(""), emptyObjectHash] : [undefined];
  const matches = (uri: string) =>
    payloads.some((payload) => {
      const stringToSign = [algorithm, date, sha256(canonicalRequest(req, names, uri, payload))].join("\n");
      const expected = createHmac("sha256", secret).update(stringToSign).digest();
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  const uri = canonicalUri(req.path);
  // The Node.js SDK signs the path after Node's legacy url.parse has escaped a few characters
  // (space, quotes, ^ ` { | } < >): it then encodes those escapes a second time. Accept that form
  // too, so region ids with those characters work from the Node.js SDK as from the others.
  const nodeUri = nodeSdkCanonicalUri(req.path);
  if (!matches(uri) && (nodeUri === uri || !matches(nodeUri))) return { ok: false, reason: "bad_signature" };
  return { ok: true, accessKey };
}

export function canonicalRequest(
  req: SignedRequest,
  signedHeaders: string[],
  uri = canonicalUri(req.path),
  payloadHash?: string,
): string {
  const headers = signedHeaders.map((n) => `${n}:${req.header(n) ?? ""}\n`).join("");
  const payload = payloadHash ?? req.header("X-Sdk-Content-Sha256") ?? sha256(req.body);
  return [req.method.toUpperCase(), uri, canonicalQuery(req.query), headers, signedHeaders.join(";"), payload].join("\n");
}

/** Each segment decoded, then encoded with the SDK's urlEncode; always a trailing "/". */
export function canonicalUri(path: string, preEscape: (segment: string) => string = (s) => s): string {
  const uri = path
    .split("/")
    .map((segment) => sdkEncode(preEscape(safeDecode(segment))))
    .join("/");
  return uri.endsWith("/") ? uri : `${uri}/`;
}

/**
 * What the Node.js SDK signs: HcClient puts path parameters into the URL unencoded, AKSKSigner
 * takes `url.parse(endpoint).pathname` (which percent-escapes these characters, upper-case hex)
 * and urlEncodes each segment of that, so a space is signed as "%2520". (url.parse turns a
 * backslash into "/", so "\\" never reaches a segment.)
 */
const legacyAutoEscaped = /[\t\n\r "'<>^`{|}]/g;
export const nodeSdkCanonicalUri = (path: string): string =>
  canonicalUri(path, (s) =>
    s.replace(legacyAutoEscaped, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`),
  );

function canonicalQuery(query: URLSearchParams): string {
  const keys = [...new Set(query.keys())].sort();
  return keys
    .flatMap((k) => {
      const values = query.getAll(k);
      return (values.length > 1 ? [...values].sort() : values).map((v) => `${sdkEncode(k)}=${sdkEncode(v)}`);
    })
    .join("&");
}

/** The SDK's urlEncode: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, all else %XX of UTF-8. */
export function sdkEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** "20261126T075341Z" → epoch ms. */
export function parseSdkDate(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const emptyObjectHash = sha256("{}");
