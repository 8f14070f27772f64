import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, createCredential, openTestApp, type TestApp } from "../support/test-app.ts";

// The Huawei SDK's own signer: what it signs is what a real client sends.
const { AKSKSigner } = createRequire(import.meta.url)("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js") as {
  AKSKSigner: { sign(req: unknown, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

describe("AK/SK signatures are verified with the method the client sent", () => {
  let t: TestApp;
  let credential: { getAk(): string; getSk(): string };
  beforeAll(async () => {
    t = await openTestApp(pglite);
    await clients(t.app).keystone("POST", "/v3/regions", { region: { id: "signed-head" } });
    const key = await createCredential(t, { type: "access_key", role: "reader" });
    credential = { getAk: () => key.access as string, getSk: () => key.secret as string };
  });
  afterAll(() => t?.close());

  const send = (sentAs: string, signedAs: string, path: string) => {
    const headers = AKSKSigner.sign(
      { method: signedAs, endpoint: `http://gw.test${path}`, headers: {}, queryParams: {}, data: undefined },
      credential,
    );
    return t.app.request(`http://gw.test${path}`, { method: sentAs, headers });
  };

  it("a HEAD signed as HEAD is accepted, with the GET's Content-Length and no body", async () => {
    for (const path of ["/v3/regions", "/v3/regions/signed-head"]) {
      const get = await send("GET", "GET", path);
      expect(get.status).toBe(200);
      const head = await send("HEAD", "HEAD", path);
      expect(head.status).toBe(200);
      expect(head.headers.get("Content-Length")).toBe(String((await get.arrayBuffer()).byteLength));
      expect(await head.text()).toBe("");
    }
  });

  it("a HEAD signed as GET, or a GET signed as HEAD, is refused", async () => {
    expect((await send("HEAD", "GET", "/v3/regions")).status).toBe(401);
    const get = await send("GET", "HEAD", "/v3/regions");
    expect(get.status).toBe(401);
    expect(((await get.json()) as { error: { code: number } }).error.code).toBe(401);
  });
});
