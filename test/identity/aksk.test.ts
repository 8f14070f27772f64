import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { canonicalRequest, parseSdkDate, type SignedRequest, sdkEncode, verifySignedRequest } from "../../src/identity/aksk.ts";

// The Huawei SDK's own signer, so the test checks our rebuild against the real thing.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: {
    sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string>;
    urlEncode(s: string): string;
  };
};

const AK = "AKEXAMPLE0123456789";
const SK = "sk-example-secret";
const credential = { getAk: () => AK, getSk: () => SK };

/** Signs like the SDK does, then presents the request as our server would see it. */
function sdkSigned(
  method: string,
  endpoint: string,
  options: { headers?: Record<string, string>; query?: Record<string, string>; data?: unknown; date?: string } = {},
): SignedRequest {
  const headers: Record<string, string> = { "X-Domain-Id": "default", ...options.headers };
  if (options.date) headers["X-Sdk-Date"] = options.date;
  const signed = AKSKSigner.sign({ method, endpoint, headers, queryParams: options.query ?? {}, data: options.data }, credential);
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    header: (name) => lower[name.toLowerCase()],
    body: options.data === undefined ? "" : JSON.stringify(options.data),
  };
}

const dateOf = (req: SignedRequest) => parseSdkDate(req.header("X-Sdk-Date") ?? "") as number;
const secretFor = (ak: string) => (ak === AK ? SK : undefined);

describe("Huawei SDK-HMAC-SHA256 verification", () => {
  it("accepts what the SDK signs: list, show, query parameters, a JSON body, unusual characters", () => {
    const cases = [
      sdkSigned("GET", "http://127.0.0.1:8080/v3/regions"),
      sdkSigned("GET", "http://127.0.0.1:8080/v3/regions/cn-north-1"),
      sdkSigned("GET", "http://127.0.0.1:8080/v3/regions", { query: { parent_region_id: "a b/ü", name: "x" } }),
      sdkSigned("POST", "http://127.0.0.1:8080/v3/regions", { data: { region: { id: "新区", description: "x" } } }),
    ];
    for (const req of cases) expect(verifySignedRequest(req, secretFor, dateOf(req))).toEqual({ ok: true, accessKey: AK });
  });

  it("refuses a wrong secret, a changed path, query, header or body", () => {
    const req = sdkSigned("GET", "http://127.0.0.1:8080/v3/regions", { query: { parent_region_id: "p" } });
    const now = dateOf(req);
    expect(verifySignedRequest(req, () => "other-secret", now)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifySignedRequest({ ...req, path: "/v3/regions/x" }, secretFor, now)).toMatchObject({ reason: "bad_signature" });
    expect(verifySignedRequest({ ...req, query: new URLSearchParams("parent_region_id=q") }, secretFor, now)).toMatchObject({
      reason: "bad_signature",
    });
    const otherDomain = { ...req, header: (n: string) => (n.toLowerCase() === "x-domain-id" ? "evil" : req.header(n)) };
    expect(verifySignedRequest(otherDomain, secretFor, now)).toMatchObject({ reason: "bad_signature" });
    const post = sdkSigned("POST", "http://127.0.0.1:8080/v3/regions", { data: { region: { id: "a" } } });
    expect(verifySignedRequest({ ...post, body: '{"region":{"id":"b"}}' }, secretFor, dateOf(post))).toMatchObject({
      reason: "bad_signature",
    });
  });

  it("refuses a date more than 15 minutes off, either way, and accepts one just inside", () => {
    const req = sdkSigned("GET", "http://127.0.0.1:8080/v3/regions", { date: "20261126T080000Z" });
    const signedAt = Date.UTC(2026, 10, 26, 8, 0, 0);
    expect(verifySignedRequest(req, secretFor, signedAt + 14 * 60_000).ok).toBe(true);
    expect(verifySignedRequest(req, secretFor, signedAt + 16 * 60_000)).toEqual({ ok: false, reason: "skewed_date" });
    expect(verifySignedRequest(req, secretFor, signedAt - 16 * 60_000)).toEqual({ ok: false, reason: "skewed_date" });
  });

  it("refuses malformed headers and unknown access keys", () => {
    const req = sdkSigned("GET", "http://127.0.0.1:8080/v3/regions");
    const now = dateOf(req);
    const withAuth = (value: string | undefined) => ({
      ...req,
      header: (n: string) => (n.toLowerCase() === "authorization" ? value : req.header(n)),
    });
    for (const bad of [
      undefined,
      "SDK-HMAC-SHA256",
      "SDK-HMAC-SHA256 Access=AK",
      "Bearer abc",
      "SDK-HMAC-SHA256 Access=A, SignedHeaders=host, Signature=zz",
    ]) {
      expect(verifySignedRequest(withAuth(bad), secretFor, now)).toEqual({ ok: false, reason: "malformed" });
    }
    const noDate = { ...req, header: (n: string) => (n.toLowerCase() === "x-sdk-date" ? undefined : req.header(n)) };
    expect(verifySignedRequest(noDate, secretFor, now)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignedRequest(req, () => undefined, now)).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("encodes exactly like the SDK's urlEncode", () => {
    for (const s of ["plain", "a b", "~-_.", "!*'()", "ü/新", "%41", "a+b=c&d"])
      expect(sdkEncode(s)).toBe(AKSKSigner.urlEncode(s));
  });

  it("builds the canonical request in the SDK's order", () => {
    const req: SignedRequest = {
      method: "get",
      path: "/v3/regions",
      query: new URLSearchParams("b=2&a=1"),
      header: (n) => ({ host: "gw:8080", "x-sdk-date": "20261126T080000Z" })[n.toLowerCase()],
      body: "",
    };
    expect(canonicalRequest(req, ["host", "x-sdk-date"])).toBe(
      "GET\n/v3/regions/\na=1&b=2\nhost:gw:8080\nx-sdk-date:20261126T080000Z\n\nhost;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });
});

describe("a declared body hash (X-Sdk-Content-Sha256)", () => {
  it("must be the body's own: a captured signature cannot carry another body", () => {
    const original = { region: { id: "legit" } };
    const req = sdkSigned("POST", "http://127.0.0.1:8080/v3/regions", { data: original });
    const now = dateOf(req);
    const hashOfOriginal = createHash("sha256").update(JSON.stringify(original)).digest("hex");
    const withHash = (body: string, hash: string): SignedRequest => ({
      ...req,
      body,
      header: (n) => (n.toLowerCase() === "x-sdk-content-sha256" ? hash : req.header(n)),
    });
    expect(verifySignedRequest(withHash(JSON.stringify(original), hashOfOriginal), secretFor, now).ok).toBe(true);
    expect(verifySignedRequest(withHash('{"region":{"id":"evil"}}', hashOfOriginal), secretFor, now)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(verifySignedRequest(withHash('{"region":{"id":"evil"}}', "UNSIGNED-PAYLOAD"), secretFor, now).ok).toBe(false);
  });

  it("must sign host", () => {
    const req = sdkSigned("GET", "http://127.0.0.1:8080/v3/regions");
    const auth = (req.header("Authorization") ?? "").replace(/SignedHeaders=[^,]+/, "SignedHeaders=x-domain-id;x-sdk-date");
    const noHost = { ...req, header: (n: string) => (n.toLowerCase() === "authorization" ? auth : req.header(n)) };
    expect(verifySignedRequest(noHost, secretFor, dateOf(req))).toEqual({ ok: false, reason: "malformed" });
  });
});
