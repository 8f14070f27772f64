import { expect } from "vitest";
import type { Principal } from "../../src/domain/principal.ts";
import { createApp } from "../../src/http/app.ts";
import { createAuthenticator } from "../../src/identity/authenticator.ts";
import { testSecretBox } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { adminToken, type clients, manageToken, type TestApp } from "../support/test-app.ts";

/** Helpers shared by the Rainbond HTTP suites. */

// real ones: the gateway refuses a certificate that is not PEM, expired, or not its key's
export const { ca: CA, cert: CERT, key: KEY } = testCertificates();

/** A valid add body for `name`, as grctl / a console script would send it. */
export function addBody(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region_name: name,
    region_alias: `${name} 集群`,
    url: "https://region.goodrain.me:8443",
    wsurl: "wss://region.goodrain.me:6060",
    httpdomain: "apps.goodrain.me",
    tcpdomain: "47.92.1.2",
    ...overrides,
  };
}

/** A valid PUT body (every required field of UpdateRegionReq). */
export function putBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region_alias: "新别名",
    url: "https://10.0.0.9:8443",
    wsurl: "ws://10.0.0.9:6060",
    httpdomain: "apps.new.example.com",
    tcpdomain: "10.0.0.9",
    status: "3",
    ...overrides,
  };
}

/** The 32 lowercase hex the gateway generates for a region_id. */
export const hex32 = /^[0-9a-f]{32}$/;

/** The v2_RegionInfoSerializer keys, in the console's order. */
export const v2ItemKeys = [
  "region_id",
  "region_name",
  "region_alias",
  "url",
  "token",
  "wsurl",
  "httpdomain",
  "tcpdomain",
  "scope",
  "ssl_ca_cert",
  "cert_file",
  "key_file",
  "status",
  "desc",
];
/** RegionInfoResp (documented v1 list item) keys, in order. */
export const v1ListKeys = [
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
];

export const required = "该字段是必填项。";

/** A credential that may read but not write, nor see secrets or private regions. */
export const readerToken = "test-reader-token";
/** A reader bound to enterprise "ent-a" (a console access key belongs to one enterprise). */
export const enterpriseReaderToken = "test-enterprise-reader-token";
const reader: Principal = { id: "reader", name: "reader", role: "reader", privateRegions: [], enterpriseId: null };
const enterpriseReader: Principal = { ...reader, id: "ent-reader", name: "ent-reader", enterpriseId: "ent-a" };
/** An enterprise administrator of "ent-a" (the console's v1 caller: an admin's access key). */
export const enterpriseAdminToken = "test-enterprise-admin-token";
const enterpriseAdmin: Principal = {
  id: "ent-admin",
  name: "ent-admin",
  role: "admin",
  privateRegions: "*",
  enterpriseId: "ent-a",
};

/** A second app on the same catalogue whose authenticator also knows the reader tokens (Rainbond doors only). */
export function appWithReader(t: TestApp) {
  const base = createAuthenticator({ identity: () => t.catalog.identity(), secretBox: testSecretBox, adminToken, manageToken });
  const extra: Record<string, Principal> = {
    [readerToken]: reader,
    [enterpriseReaderToken]: enterpriseReader,
    [enterpriseAdminToken]: enterpriseAdmin,
  };
  return createApp({
    catalog: t.catalog,
    database: t.db.database,
    secretBox: testSecretBox,
    auth: {
      ...base,
      authenticate: (token, realm) => (realm !== "keystone" && extra[token]) || base.authenticate(token, realm),
    },
  });
}

/** JSON body of a response, asserting it is served as JSON. */
export async function jsonOf(res: Response): Promise<unknown> {
  expect(res.headers.get("Content-Type") ?? "").toMatch(/^application\/json/);
  return res.json();
}

export type RainbondClient = ReturnType<typeof clients>["rainbond"];

/** Every region_name the v2 list shows, in catalogue order. */
export async function namesOf(rb: RainbondClient): Promise<string[]> {
  const res = await rb("GET", "/openapi/v2/manage/regions?current=0");
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { region_name: string }[] };
  return body.data.map((d) => d.region_name);
}

/** The whole catalogue as the v2 list shows it (to prove a failed request changed nothing). */
export async function snapshotOf(rb: RainbondClient): Promise<unknown> {
  const res = await rb("GET", "/openapi/v2/manage/regions?current=0");
  expect(res.status).toBe(200);
  return res.json();
}

/** POSTs a valid region through v2 and returns the answer. */
export async function createRegion(
  rb: RainbondClient,
  name: string,
  overrides: Record<string, unknown> = {},
  query = "",
): Promise<Record<string, unknown>> {
  const res = await rb("POST", `/openapi/v2/manage/regions${query}`, addBody(name, overrides));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}

/** A raw request with whatever headers and body the test wants. */
export function raw(
  app: TestApp["app"],
  method: string,
  path: string,
  // a string body gets "Content-Type: text/plain;charset=UTF-8" from fetch unless one is given; bytes get none
  init: { headers?: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> } = {},
) {
  return app.request(`http://gw.test${path}`, { method, headers: init.headers ?? {}, body: init.body ?? null });
}
