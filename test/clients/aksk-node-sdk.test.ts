import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  canonicalUri,
  nodeSdkCanonicalUri,
  parseSdkDate,
  type SignedRequest,
  verifySignedRequest,
} from "../../src/identity/aksk.ts";

// Regression test for a failure the real Huawei Node.js SDK hit (huawei-sdk.test.ts): the SDK puts
// path parameters into the URL unencoded and signs `url.parse(url).pathname`, which has already
// escaped a space, quotes, ^ ` { | } < > once; its urlEncode then escapes the "%" again. The gateway
// rebuilt only the single-encoded form, so `KeystoneShowRegion` of "hw x" got a 401.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: { sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

const AK = "AKNODESDK0123456789";
const SK = "node-sdk-secret";
const secretFor = (ak: string) => (ak === AK ? SK : undefined);

/** Signs `GET /v3/regions/<id>` exactly as HcClient + AKSKSigner do; the server sees the WHATWG-encoded path. */
function signedShow(id: string): SignedRequest {
  const endpoint = `http://127.0.0.1:8080/v3/regions/${id}`; // HcClient: url.replace(`{region_id}`, value)
  const signed = AKSKSigner.sign(
    { method: "GET", endpoint, headers: { "X-Domain-Id": "default" }, queryParams: {} },
    { getAk: () => AK, getSk: () => SK },
  );
  const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    method: "GET",
    path: new URL(endpoint).pathname,
    query: new URLSearchParams(),
    header: (n) => lower[n.toLowerCase()],
    body: "",
  };
}
const at = (req: SignedRequest) => parseSdkDate(req.header("X-Sdk-Date") ?? "") as number;

describe("AK/SK: the Node.js SDK's double-encoded path", () => {
  const quirky = ["hw x", "a'b", 'a"b', "a^b", "a|b", "a{b}", "a<b>", "a`b", "华北 一"];

  it("accepts the SDK's signature for region ids that url.parse escapes", () => {
    for (const id of quirky) {
      const req = signedShow(id);
      // the two canonical forms really differ for these ids: the old verifier refused them
      expect(nodeSdkCanonicalUri(req.path), id).not.toBe(canonicalUri(req.path));
      expect(verifySignedRequest(req, secretFor, at(req)), id).toEqual({ ok: true, accessKey: AK });
    }
  });

  it("still accepts plain and non-ASCII ids, where both forms agree", () => {
    for (const id of ["cn-north-1", "华北一", "a:b+c~d", "a%b"]) {
      const req = signedShow(id);
      expect(nodeSdkCanonicalUri(req.path)).toBe(canonicalUri(req.path));
      expect(verifySignedRequest(req, secretFor, at(req)), id).toEqual({ ok: true, accessKey: AK });
    }
  });

  it("builds the double-encoded form the SDK signs", () => {
    expect(nodeSdkCanonicalUri("/v3/regions/hw%20x")).toBe("/v3/regions/hw%2520x/");
    expect(nodeSdkCanonicalUri("/v3/regions/a'b%7Cc")).toBe("/v3/regions/a%2527b%257Cc/");
    expect(canonicalUri("/v3/regions/hw%20x")).toBe("/v3/regions/hw%20x/");
  });

  it("the second form does not loosen anything else: another path, a wrong secret or a changed header is refused", () => {
    const req = signedShow("hw x");
    const now = at(req);
    expect(verifySignedRequest({ ...req, path: "/v3/regions/hw%20y" }, secretFor, now)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(verifySignedRequest({ ...req, path: "/v3/regions/hw%20x/extra" }, secretFor, now)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(verifySignedRequest({ ...req, method: "DELETE" }, secretFor, now)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifySignedRequest(req, () => "another-secret", now)).toEqual({ ok: false, reason: "bad_signature" });
    const otherDomain = { ...req, header: (n: string) => (n.toLowerCase() === "x-domain-id" ? "evil" : req.header(n)) };
    expect(verifySignedRequest(otherDomain, secretFor, now)).toEqual({ ok: false, reason: "bad_signature" });
  });
});

// The SDK core's own GET /v3/auth/domains (the domain lookup of GlobalCredentials without a domain
// id) carries `data: {}`: AKSKSigner signs sha256("{}") though a GET body never reaches the gateway.
describe("AK/SK: the SDK core's GET with an empty data object", () => {
  const signedGet = (path: string, data: unknown) => {
    const endpoint = `http://127.0.0.1:8080${path}`;
    const signed = AKSKSigner.sign(
      { method: "GET", endpoint, headers: { "content-type": "application/json" }, queryParams: {}, data },
      { getAk: () => AK, getSk: () => SK },
    );
    const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const req: SignedRequest = {
      method: "GET",
      path,
      query: new URLSearchParams(),
      header: (n) => lower[n.toLowerCase()],
      body: "",
    };
    return req;
  };

  it("accepts the signature of a GET signed over the body {}", () => {
    const req = signedGet("/v3/auth/domains", {});
    expect(verifySignedRequest(req, secretFor, at(req))).toEqual({ ok: true, accessKey: AK });
  });

  it("only for GET, HEAD and DELETE; another signed body is still refused", () => {
    const req = signedGet("/v3/auth/domains", {});
    expect(verifySignedRequest({ ...req, method: "POST" }, secretFor, at(req))).toEqual({ ok: false, reason: "bad_signature" });
    const other = signedGet("/v3/auth/domains", { a: 1 });
    expect(verifySignedRequest(other, secretFor, at(other))).toEqual({ ok: false, reason: "bad_signature" });
  });
});
