import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BasicCredentials, GlobalCredentials } from "@huaweicloud/huaweicloud-sdk-core";
import { ClientRequestException } from "@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js";
import { Logger4jInstance } from "@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js";
import { Region } from "@huaweicloud/huaweicloud-sdk-core/region/region.js";
// The package root does not load (its IamClient names the credential type "GlobalCredentials,BasicCredentials"
// and the root entry resolves that as a module path); the v3 public API does.
import {
  IamClient,
  type Region as IamRegion,
  KeystoneListRegionsRequest,
  type KeystoneListRegionsResponse,
  KeystoneShowRegionRequest,
} from "@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningGateway, startGateway, stopGateway } from "../support/process.ts";
import { type CreatedCredential, call, createCredential, createKeystoneRegion } from "./support.ts";

// The Huawei Cloud Node.js SDK (IAM v3), unmodified, against the gateway as a real process:
// every request AK/SK-signed (SDK-HMAC-SHA256) with X-Domain-Id, errors as ClientRequestException.
describe("Huawei Cloud nodejs SDK (IamClient, AK/SK) against a running gateway", () => {
  const adminToken = "hw-admin-token-0123456789abcdef";
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-hw-"));
  let gw: RunningGateway;
  let key: CreatedCredential;

  const regions = [
    { id: "hw-north-1", description: "North", locales: { "zh-cn": "华北-北京一", "en-us": "CN North-Beijing1" } },
    { id: "hw-north-1a", parent_region_id: "hw-north-1" },
    { id: "hw east 华东" }, // a space (which the SDK signs double-encoded) and non-ASCII in the path
    { id: "hw-private-granted", type: "private", description: "granted" },
    { id: "hw-private-hidden", type: "private" },
  ];
  const visible = ["hw east 华东", "hw-north-1", "hw-north-1a", "hw-private-granted"];

  const client = (ak: string, sk: string, credentials: "global" | "basic" = "global") =>
    IamClient.newBuilder()
      .withCredential(
        credentials === "global"
          ? new GlobalCredentials().withAk(ak).withSk(sk).withDomainId("default")
          : new BasicCredentials().withAk(ak).withSk(sk).withProjectId("demo-project"),
      )
      .withEndpoint(gw.url)
      .build();
  const list = (c: IamClient) => c.keystoneListRegions(new KeystoneListRegionsRequest());
  const show = (c: IamClient, id: string) => c.keystoneShowRegion(new KeystoneShowRegionRequest().withRegionId(id));
  /** the SDK's rejection, as it throws it */
  const failure = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => {
        throw new Error("the SDK call succeeded; it should have failed");
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClientRequestException);
    return error as ClientRequestException;
  };

  beforeAll(async () => {
    // the SDK prints every failed response, request headers included, to stdout: keep the run readable
    Logger4jInstance.level = "off";
    gw = await startGateway({ DATA_DIR: dataDir, ADMIN_TOKEN: adminToken });
    for (const region of regions) await createKeystoneRegion(gw.url, adminToken, region);
    key = await createCredential(gw.url, adminToken, {
      type: "access_key",
      role: "reader",
      private_regions: ["hw-private-granted"],
    });
  });
  afterAll(async () => {
    if (gw) expect(await stopGateway(gw)).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("KeystoneListRegions: exactly the public regions and the granted private one, in the fields the SDK models name", async () => {
    expect(key.access).toMatch(/^[0-9A-F]{20}$/);
    const res: KeystoneListRegionsResponse & { httpStatusCode?: number } = await list(
      client(key.access as string, key.secret as string),
    );
    expect(res.httpStatusCode).toBe(200);
    expect(res.links).toEqual({ self: `${gw.url}/v3/regions`, previous: null, next: null });
    const got = res.regions ?? [];
    expect(got.map((r) => r.id).sort()).toEqual(visible);

    // the same as the admin sees, less the private region that was not granted
    const admin = (await call(gw.url, "GET", "/v3/regions", { token: adminToken, expect: 200 })).body as { regions: IamRegion[] };
    expect(
      admin.regions
        .filter((r) => r.type === "public")
        .map((r) => r.id)
        .sort(),
    ).toEqual(visible.filter((id) => id !== "hw-private-granted"));
    expect(admin.regions.map((r) => r.id)).toContain("hw-private-hidden");

    for (const r of got) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(["id", "description", "parent_region_id", "type", "locales", "links"]),
      );
      expect(r.type).toBe(r.id === "hw-private-granted" ? "private" : "public");
      expect(typeof r.locales?.["zh-cn"]).toBe("string");
      expect(typeof r.locales?.["en-us"]).toBe("string");
      expect(decodeURI(r.links?.self ?? "")).toBe(`${gw.url}/v3/regions/${r.id}`);
    }
    const byId = new Map(got.map((r) => [r.id, r]));
    expect(byId.get("hw-north-1")).toMatchObject({
      description: "North",
      parent_region_id: null,
      locales: { "zh-cn": "华北-北京一", "en-us": "CN North-Beijing1" },
    });
    expect(byId.get("hw-north-1a")).toMatchObject({
      parent_region_id: "hw-north-1",
      locales: { "zh-cn": "hw-north-1a", "en-us": "hw-north-1a" },
    });
  });

  it("KeystoneShowRegion: the granted private region and a public one; a hidden private region is 404 like an unknown one", async () => {
    const c = client(key.access as string, key.secret as string);
    const [granted, spaced] = await Promise.all([show(c, "hw-private-granted"), show(c, "hw east 华东")]);
    expect(granted.httpStatusCode).toBe(200);
    expect(granted.region).toEqual({
      id: "hw-private-granted",
      description: "granted",
      parent_region_id: null,
      type: "private",
      locales: { "zh-cn": "hw-private-granted", "en-us": "hw-private-granted" },
      links: { self: `${gw.url}/v3/regions/hw-private-granted` },
    });
    expect(spaced.region).toMatchObject({ id: "hw east 华东", type: "public", parent_region_id: null });

    const hidden = await failure(show(c, "hw-private-hidden"));
    expect(hidden.httpStatusCode).toBe(404);
    expect(hidden.errorMsg).toBe("Could not find region: hw-private-hidden.");
    const unknown = await failure(show(c, "hw-nowhere"));
    expect(unknown.httpStatusCode).toBe(404);
    expect(unknown.errorMsg).toBe("Could not find region: hw-nowhere.");
    expect(String(hidden.errorCode)).toBe(String(unknown.errorCode));
  });

  it("GlobalCredentials without a domain id: the SDK asks GET /v3/auth/domains (withIamEndpoint) and goes on", async () => {
    const credentials = new GlobalCredentials()
      .withAk(key.access as string)
      .withSk(key.secret as string)
      .withIamEndpoint(gw.url);
    // the SDK looks the domain up only for a client built with a region
    const c = IamClient.newBuilder().withCredential(credentials).withRegion(new Region("gateway", gw.url)).build();
    const res = await list(c);
    expect((res.regions ?? []).map((r) => r.id).sort()).toEqual(visible);
    // the gateway logs a request once it has answered it: the line may come in after the answer
    await vi.waitFor(
      () => {
        const asked = gw
          .output()
          .split("\n")
          .filter((l) => l.includes('"path":"/v3/auth/domains"'));
        expect(asked.some((l) => l.includes('"status":200'))).toBe(true);
      },
      { timeout: 10_000 },
    );
  });

  it("a wrong SK or an unknown AK is refused with 401", async () => {
    const wrongSk = await failure(list(client(key.access as string, `${key.secret}x`)));
    expect(wrongSk.httpStatusCode).toBe(401);
    expect(wrongSk.errorMsg).toMatch(/signature could not be verified/);
    const wrongSkShow = await failure(show(client(key.access as string, "not-the-secret"), "hw-north-1"));
    expect(wrongSkShow.httpStatusCode).toBe(401);
    const unknownAk = await failure(list(client("AAAAAAAAAAAAAAAAAAAA", key.secret as string)));
    expect(unknownAk.httpStatusCode).toBe(401);
    // the same answer either way: it does not tell whether an access key exists
    expect(unknownAk.errorMsg).toBe(wrongSk.errorMsg);
  });

  it("BasicCredentials (X-Project-Id instead of X-Domain-Id) work too; a revoked key is refused at once", async () => {
    const other = await createCredential(gw.url, adminToken, { type: "access_key", role: "reader" });
    const basic = await list(client(other.access as string, other.secret as string, "basic"));
    // no private grant: the public regions only
    expect((basic.regions ?? []).map((r) => r.id).sort()).toEqual(visible.filter((id) => id !== "hw-private-granted"));
    await call(gw.url, "DELETE", `/admin/v1/credentials/${other.id}`, { token: adminToken, expect: 204 });
    const revoked = await failure(list(client(other.access as string, other.secret as string, "basic")));
    expect(revoked.httpStatusCode).toBe(401);
  });
});
