import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GlobalCredentials } from "@huaweicloud/huaweicloud-sdk-core";
import { Logger4jInstance } from "@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js";
import { IamClient, KeystoneListRegionsRequest } from "@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway, stopGateway } from "../support/process.ts";
import { call, createCredential } from "./support.ts";

// Every secret the gateway is given or gives out, written and used through the HTTP APIs of a real
// process; then, after SIGTERM, not one of them may be found in the files under DATA_DIR, in the
// process's stdout/stderr, or in the audit trail. The values are short (well under PostgreSQL's
// 2 kB TOAST threshold), so a value stored in clear would sit uncompressed in the data files.

/** Every regular file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : e.isFile() ? [full] : [];
  });
}

/** The encodings a secret is looked for in: as is, base64 and hex of its UTF-8 bytes. */
const encodings = (secret: string) => {
  const bytes = Buffer.from(secret, "utf8");
  return [bytes, Buffer.from(bytes.toString("base64")), Buffer.from(bytes.toString("hex"))];
};

describe("secrets at rest and in logs (real process, embedded database)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "rg-secrets-"));
  const tag = randomBytes(6).toString("hex");
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    if (gw) await stopGateway(gw);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("no plaintext secret in DATA_DIR, stdout/stderr or the audit trail after writing and using each one", async () => {
    // no ADMIN_TOKEN: the gateway generates one (printed once, saved to $DATA_DIR/admin-token)
    gw = await startGateway({ DATA_DIR: dataDir });
    const base = gw.url;
    const admin = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    expect(admin).toMatch(/^rgt_/);

    // non-secret control value: it must be found by the same scan, or the scan proves nothing
    const visibleAlias = `rg-visible-alias-${tag}`;
    const regionKeyCore = `rgRegionKeyMaterial${tag}`;
    const regionKey = `-----BEGIN PRIVATE KEY-----\nMIIEv${regionKeyCore}QIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----`; // no trailing newline: DRF trims it, as the console does
    const regionToken = `rg-region-token-${tag}`;
    const regionToken2 = `rg-region-token-two-${tag}`;
    const password = `rg-password-${tag}`;
    const wrongPassword = `rg-wrong-password-${tag}`;
    const forgedToken = `rg-forged-token-${tag}`;
    const rainbond = { Authorization: admin };

    // a Rainbond v2 region with a client key and a region token, read back, then its token changed
    const created = await call(base, "POST", "/openapi/v2/manage/regions", {
      headers: rainbond,
      body: {
        region_name: `rg-secret-region-${tag}`,
        region_alias: visibleAlias,
        url: "https://10.9.0.1:8443",
        wsurl: "wss://10.9.0.1:6060",
        httpdomain: "apps.secret.example.com",
        tcpdomain: "10.9.0.1",
        scope: "public",
        key_file: regionKey,
        token: regionToken,
      },
      expect: 201,
    });
    const regionId = (created.body as { region_id: string }).region_id;
    const readBack = await call(base, "GET", `/openapi/v2/manage/regions/${regionId}`, { headers: rainbond, expect: 200 });
    expect(readBack.body).toMatchObject({ key_file: regionKey, token: regionToken });
    const updated = await call(base, "PUT", `/openapi/v2/manage/regions/${regionId}`, {
      headers: rainbond,
      body: {
        region_alias: visibleAlias,
        url: "https://10.9.0.1:8443",
        wsurl: "wss://10.9.0.1:6060",
        httpdomain: "apps.secret.example.com",
        tcpdomain: "10.9.0.1",
        status: "1",
        token: regionToken2,
      },
      expect: 200,
    });
    expect(updated.body).toMatchObject({ key_file: regionKey, token: regionToken2 });

    // the three kinds of credential, each used once
    const bearer = (await createCredential(base, admin, { type: "token", role: "reader" })).token as string;
    await createCredential(base, admin, { type: "password", role: "reader", user_name: `rg-user-${tag}`, password });
    const accessKey = await createCredential(base, admin, { type: "access_key", role: "reader" });
    const sk = accessKey.secret as string;
    expect(bearer).toMatch(/^rgt_/);
    expect(sk.length).toBeGreaterThanOrEqual(32);

    await call(base, "GET", "/v3/regions", { token: bearer, expect: 200 });
    const authBody = (pass: string) => ({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: `rg-user-${tag}`, domain: { name: "Default" }, password: pass } },
        },
        scope: { project: { name: "demo", domain: { name: "Default" } } },
      },
    });
    const issued = await call(base, "POST", "/v3/auth/tokens", { body: authBody(password), expect: 201 });
    const subjectToken = issued.headers.get("x-subject-token") ?? "";
    expect(subjectToken.length).toBeGreaterThan(20);
    await call(base, "GET", "/v3/regions", { token: subjectToken, expect: 200 });
    await call(base, "GET", "/v3/auth/tokens", {
      token: subjectToken,
      headers: { "X-Subject-Token": subjectToken },
      expect: 200,
    });
    // refused attempts must not leave the presented secret behind either
    await call(base, "POST", "/v3/auth/tokens", { body: authBody(wrongPassword), expect: 401 });
    await call(base, "GET", "/v3/regions", { token: forgedToken, expect: 401 });

    Logger4jInstance.level = "off"; // the SDK would print failed responses; none is expected here
    const sdk = IamClient.newBuilder()
      .withCredential(
        new GlobalCredentials()
          .withAk(accessKey.access as string)
          .withSk(sk)
          .withDomainId("default"),
      )
      .withEndpoint(base)
      .build();
    const listed = await sdk.keystoneListRegions(new KeystoneListRegionsRequest());
    expect((listed.regions ?? []).map((r) => r.id)).toContain(`rg-secret-region-${tag}`);

    // the audit trail: no secret; the region's key and token shown as [redacted]
    const audit = await call(base, "GET", "/admin/v1/audit?limit=1000", { token: admin, expect: 200 });
    const secrets: Record<string, string> = {
      "region key": regionKeyCore,
      "region token": regionToken,
      "second region token": regionToken2,
      password,
      "refused password": wrongPassword,
      "refused token": forgedToken,
      "access-key SK": sk,
      "bearer token": bearer,
      "issued X-Subject-Token": subjectToken,
    };
    for (const [what, secret] of Object.entries({ ...secrets, "admin token": admin })) {
      expect(audit.text.includes(secret), `${what} in the audit trail`).toBe(false);
    }
    type Entry = {
      action: string;
      subject: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    };
    const entries = (audit.body as { entries: Entry[] }).entries;
    const regionEntries = entries.filter(
      (e) => e.after?.name === `rg-secret-region-${tag}` || e.before?.name === `rg-secret-region-${tag}`,
    );
    expect(regionEntries.length).toBe(2); // the create and the PUT
    for (const e of regionEntries) {
      expect(e.after).toMatchObject({ clientKey: "[redacted]", regionToken: "[redacted]", alias: visibleAlias });
    }
    expect(regionEntries.some((e) => e.before?.regionToken === "[redacted]" && e.before?.clientKey === "[redacted]")).toBe(true);
    expect(entries.filter((e) => e.action.startsWith("credential")).length).toBeGreaterThanOrEqual(3);

    // stop: SIGTERM, clean exit, everything flushed to the data directory
    expect(await stopGateway(gw)).toBe(0);
    const output = gw.output();
    gw = undefined;
    expect(output).toContain('"msg":"stopped"');

    const files = filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(10);
    const contents = files.map((f) => ({ file: path.relative(dataDir, f), bytes: readFileSync(f) }));
    const filesWith = (needle: string) =>
      contents.filter(({ bytes }) => encodings(needle).some((e) => bytes.includes(e))).map(({ file }) => file);

    // the control: the stored (non-secret) alias is found by this scan
    expect(filesWith(visibleAlias).length).toBeGreaterThan(0);

    for (const [what, secret] of Object.entries(secrets)) {
      expect(filesWith(secret), `${what} in DATA_DIR`).toEqual([]);
      expect(
        encodings(secret).some((e) => output.includes(e.toString())),
        `${what} in stdout/stderr`,
      ).toBe(false);
    }

    // The generated admin token is the one deliberate exception, in exactly two places (excluded
    // here by name): the `admin-token` file and the one-time banner on stdout.
    expect(filesWith(admin)).toEqual(["admin-token"]);
    const banner = new RegExp(`Generated admin token \\(saved to [^\\n]*admin-token\\):\\n\\n {4}${admin}\\n`);
    expect(output).toMatch(banner);
    expect(output.replace(banner, "").includes(admin), "admin token outside the banner").toBe(false);
    // and the key that seals the secrets lives in its own 0600 file only
    const sealingKey = readFileSync(path.join(dataDir, "secret-key"), "utf8").trim();
    expect(filesWith(sealingKey)).toEqual(["secret-key"]);
    expect(output.includes(sealingKey)).toBe(false);
  });
});
