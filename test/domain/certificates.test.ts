import { describe, expect, it } from "vitest";
import { certificateHealth, certificateProblems } from "../../src/domain/certificates.ts";
import { testCertificates } from "../support/certificates.ts";

const t = testCertificates();
const now = new Date();
const none = { caCert: null, clientCert: null, clientKey: null };

describe("certificateProblems (what a write may not store)", () => {
  it("accepts a certificate its CA signed, with its key; no certificates; and a file path", () => {
    expect(certificateProblems(null, { caCert: t.ca, clientCert: t.cert, clientKey: t.key }, now)).toEqual([]);
    expect(certificateProblems(null, none, now)).toEqual([]);
    expect(certificateProblems(null, { caCert: "", clientCert: "/etc/rbd/client.pem", clientKey: "x" }, now)).toEqual([]);
  });

  it("refuses a value that is not PEM, an expired certificate, and a key of another certificate", () => {
    expect(certificateProblems(null, { ...none, caCert: "string" }, now)).toEqual([{ field: "caCert", kind: "not_pem" }]);
    expect(
      certificateProblems(null, { ...none, clientCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }, now),
    ).toEqual([{ field: "clientCert", kind: "not_pem" }]);
    expect(certificateProblems(null, { ...none, clientCert: t.expired }, now)).toEqual([
      { field: "clientCert", kind: "expired", notAfter: "2021-01-01T00:00:00.000Z" },
    ]);
    expect(certificateProblems(null, { caCert: t.ca, clientCert: t.cert, clientKey: t.otherKey }, now)).toEqual([
      { field: "clientKey", kind: "key_mismatch" },
    ]);
    expect(certificateProblems(null, { caCert: t.ca, clientCert: t.cert, clientKey: "junk" }, now)).toEqual([
      { field: "clientKey", kind: "key_mismatch" },
    ]);
  });

  it("judges only what changes: a stored expired certificate does not block other edits", () => {
    const stored = { caCert: t.ca, clientCert: t.expired, clientKey: t.expiredKey };
    expect(certificateProblems(stored, stored, now)).toEqual([]);
    // a new key is checked against the stored certificate
    expect(certificateProblems(stored, { ...stored, clientKey: t.key }, now)).toEqual([
      { field: "clientKey", kind: "key_mismatch" },
    ]);
    // a renewed certificate for the same key needs no new key
    const good = { caCert: t.ca, clientCert: t.cert, clientKey: t.key };
    expect(certificateProblems(good, { ...good, clientCert: t.renewed }, now)).toEqual([]);
  });
});

describe("certificateHealth (the parsed view)", () => {
  it("subject, issuer, dates, days left, chain and key match; never the key", () => {
    const h = certificateHealth({ caCert: t.ca, clientCert: t.expiring, clientKey: t.expiringKey }, now);
    expect(h.cert).toMatchObject({ subject: "CN=soon", issuer: "CN=ca" });
    expect(h.cert?.days_left).toBeGreaterThanOrEqual(9);
    expect(h.cert?.days_left).toBeLessThanOrEqual(10);
    expect(h.ca).toMatchObject({ subject: "CN=ca", issuer: "CN=ca" });
    expect(h).toMatchObject({ chains_to_ca: true, key_matches_cert: true, unreadable: [], days_left: h.cert?.days_left });
    expect(JSON.stringify(h)).not.toContain("PRIVATE");
  });

  it("a certificate of another CA does not chain; a wrong key does not match; junk is unreadable", () => {
    expect(certificateHealth({ caCert: t.ca, clientCert: t.foreign, clientKey: t.key }, now)).toMatchObject({
      chains_to_ca: false,
      key_matches_cert: false,
    });
    expect(certificateHealth({ caCert: "string", clientCert: null, clientKey: null }, now)).toMatchObject({
      ca: null,
      unreadable: ["ssl_ca_cert"],
      chains_to_ca: null,
      days_left: null,
    });
  });
});
