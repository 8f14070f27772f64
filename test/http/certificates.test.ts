import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { certificateDaysLeft, startCertificateWatch } from "../../src/catalog/certificate-health.ts";
import { backends } from "../support/backends.ts";
import { testCertificates } from "../support/certificates.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";
import {
  addBody,
  appWithReader,
  createRegion,
  jsonOf,
  putBody,
  type RainbondClient,
  readerToken,
  snapshotOf,
} from "./rainbond-support.ts";

const t0 = testCertificates();
const refused = (err: Record<string, string[]>) => ({ detail: "参数错误", err, code: 20400, error_type: "ValidationError" });
const notPem = "证书格式不正确，需要 PEM 格式的证书。";

for (const backend of backends) {
  describe.skipIf(!backend.available)(`region certificates (${backend.name})`, () => {
    let t: TestApp;
    let rb: RainbondClient;
    let ks: ReturnType<typeof clients>["keystone"];
    beforeAll(async () => {
      t = await openTestApp(backend);
      ({ rainbond: rb, keystone: ks } = clients(t.app));
    });
    afterAll(() => t?.close());

    describe("writes that would store a bad certificate are refused, nothing written", () => {
      it.each([
        [
          "an expired certificate",
          { cert_file: t0.expired, key_file: t0.expiredKey },
          { cert_file: ["证书已于 2021-01-01 过期。"] },
        ],
        ["a certificate that is not PEM", { ssl_ca_cert: "string" }, { ssl_ca_cert: [notPem] }],
        [
          "PEM armour around junk",
          { ssl_ca_cert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" },
          { ssl_ca_cert: [notPem] },
        ],
        ["a key of another certificate", { cert_file: t0.cert, key_file: t0.otherKey }, { key_file: ["私钥与证书不匹配。"] }],
      ])("v2 POST with %s: 400 naming the field", async (_, certs, err) => {
        const before = await snapshotOf(rb);
        const res = await rb("POST", "/openapi/v2/manage/regions", addBody("c-bad", certs));
        expect(res.status).toBe(400);
        expect(await jsonOf(res)).toEqual(refused(err));
        expect(await snapshotOf(rb)).toEqual(before);
      });

      it("v1 POST and v2 PUT too; a PUT's new key is checked against the stored certificate", async () => {
        const v1 = await rb("POST", "/openapi/v1/regions", addBody("c-v1", { cert_file: "not a certificate" }));
        expect(v1.status).toBe(400);
        expect(await v1.json()).toEqual(refused({ cert_file: [notPem] }));
        const r = await createRegion(rb, "c-put", { ssl_ca_cert: t0.ca, cert_file: t0.cert, key_file: t0.key });
        const path = `/openapi/v2/manage/regions/${r.region_id}`;
        const put = await rb("PUT", path, putBody({ key_file: t0.otherKey }));
        expect(put.status).toBe(400);
        expect(await put.json()).toEqual(refused({ key_file: ["私钥与证书不匹配。"] }));
        expect(await (await rb("GET", path)).json()).toMatchObject({ key_file: t0.key, region_alias: "c-put 集群" });
      });

      it("a stored certificate that has since expired does not block other edits", async () => {
        const r = await createRegion(rb, "c-old", { cert_file: t0.expired, key_file: t0.expiredKey }, "?force=true");
        const put = await rb("PUT", `/openapi/v2/manage/regions/${r.region_id}`, putBody({ cert_file: t0.expired }));
        expect(put.status).toBe(200);
      });

      it("?force=true by an admin stores it and says so in the audit trail; a reader gets 403", async () => {
        const res = await rb("POST", "/openapi/v2/manage/regions?force=true", addBody("c-forced", { cert_file: t0.expired }));
        expect(res.status).toBe(201);
        const audit = (await (await ks("GET", "/admin/v1/audit?region=c-forced&limit=5")).json()) as {
          entries: { action: string; after: unknown }[];
        };
        expect(audit.entries.map((e) => e.action).sort()).toEqual(["certificate.override", "region.create"]);
        expect(audit.entries.find((e) => e.action === "certificate.override")?.after).toEqual({
          problems: [{ field: "clientCert", kind: "expired", notAfter: "2021-01-01T00:00:00.000Z" }],
        });
        const reader = clients(appWithReader(t)).rainbond;
        const denied = await reader("POST", "/openapi/v2/manage/regions?force=true", addBody("c-reader"), readerToken);
        expect(denied.status).toBe(403);
      });

      it("/v3 cannot carry certificates: an ssl_ca_cert key there is a Keystone extra, not a certificate", async () => {
        const res = await ks("POST", "/v3/regions", { region: { id: "c-ks", ssl_ca_cert: "junk", scope: "public" } });
        expect(res.status).toBe(201);
        expect(t.catalog.get("c-ks")?.caCert).toBeNull();
      });
    });

    describe("GET /admin/v1/regions/health", () => {
      it("one entry per region with certificates: subject, issuer, dates, days left, chain, key match; never the key", async () => {
        await createRegion(rb, "h-ok", { ssl_ca_cert: t0.ca, cert_file: t0.cert, key_file: t0.key });
        await createRegion(rb, "h-soon", { ssl_ca_cert: t0.ca, cert_file: t0.expiring, key_file: t0.expiringKey });
        await createRegion(rb, "h-foreign", { ssl_ca_cert: t0.ca, cert_file: t0.foreign, key_file: t0.foreignKey });
        await createRegion(rb, "h-none");
        const res = await ks("GET", "/admin/v1/regions/health");
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain("PRIVATE KEY");
        const body = JSON.parse(text) as { expiring_within_days: number; regions: Record<string, unknown>[] };
        expect(body.expiring_within_days).toBe(30);
        const byName = Object.fromEntries(body.regions.map((r) => [r.region, r]));
        expect(byName["h-none"]).toBeUndefined();
        expect(byName["h-ok"]).toMatchObject({
          cert: { subject: "CN=client", issuer: "CN=ca" },
          ca: { subject: "CN=ca" },
          chains_to_ca: true,
          key_matches_cert: true,
          expiring: false,
        });
        expect(byName["h-soon"]).toMatchObject({ expiring: true, chains_to_ca: true });
        expect(byName["h-foreign"]).toMatchObject({ chains_to_ca: false, key_matches_cert: true });
        const narrow = (await (await ks("GET", "/admin/v1/regions/health?expiring_within=5d")).json()) as typeof body;
        expect(narrow.regions.find((r) => r.region === "h-soon")).toMatchObject({ expiring: false });
      });

      it("admins only (Keystone-shaped 401/403); a bad window is a 400", async () => {
        expect((await ks("GET", "/admin/v1/regions/health", undefined, null)).status).toBe(401);
        const bad = await ks("GET", "/admin/v1/regions/health?expiring_within=soon");
        expect(bad.status).toBe(400);
        expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(400);
      });
    });

    it("the log warns at start about certificates expiring within 30 days", () => {
      const warnings: [Record<string, unknown>, string][] = [];
      const stop = startCertificateWatch({ regions: () => t.catalog.list(), warn: (f, m) => warnings.push([f, m]) });
      stop();
      const regions = warnings.map(([f]) => f.region);
      expect(regions).toContain("h-soon");
      expect(regions).toContain("c-forced");
      expect(regions).not.toContain("h-ok");
      expect(JSON.stringify(warnings)).not.toContain("PRIVATE");
    });

    it("…and again every interval (daily in the server)", async () => {
      let rounds = 0;
      const stop = startCertificateWatch({
        regions: () => t.catalog.list(),
        warn: (f) => {
          if (f.region === "h-soon") rounds++;
        },
        intervalMs: 20,
      });
      // the first round runs at once; two more only come from the timer
      await vi.waitFor(() => expect(rounds).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 10 });
      stop();
    });

    it("days left per region, for a future /metrics gauge: regions without certificates are left out", () => {
      const byRegion = Object.fromEntries(certificateDaysLeft(t.catalog.list(), new Date()).map((g) => [g.region, g.daysLeft]));
      expect(byRegion["h-soon"]).toBeGreaterThanOrEqual(9);
      expect(byRegion["h-soon"]).toBeLessThanOrEqual(10);
      expect(byRegion["c-forced"]).toBeLessThan(0);
      expect(byRegion["h-none"]).toBeUndefined();
    });
  });
}
