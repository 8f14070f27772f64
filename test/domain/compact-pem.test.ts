import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compactCertificates, isCompact, packPem, pemFields, unpackPem } from "../../src/domain/compact-pem.ts";
import type { Region } from "../../src/domain/region.ts";
import { testCertificates } from "../support/certificates.ts";

/** Canonical PEM of `der` under `label`: base64 in lines of 64 (what openssl writes). */
const pemOf = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  ).join("\n")}\n-----END ${label}-----`;

/** What reading a value through packing gives: the value itself when it is not packed. */
const roundTrip = (text: string) => {
  const packed = packPem(text);
  return packed === null ? text : unpackPem(packed);
};

const certs = testCertificates();

/** A region as the store builds it (db/regions-repo.ts regionOf: the schema's key order). */
function region(values: Partial<Region> = {}): Region {
  return {
    uid: "0123456789abcdef0123456789abcdef",
    name: "r-1",
    alias: "区域 1",
    locales: { "en-us": "Region 1" },
    description: "d",
    scope: "public",
    status: "enabled",
    parentName: null,
    apiUrl: "https://10.0.0.1:8443",
    wsUrl: "wss://10.0.0.1:6060",
    httpDomain: "apps.example.com",
    tcpDomain: "10.0.0.1",
    caCert: certs.ca,
    clientCert: certs.cert,
    clientKey: certs.key,
    regionToken: "token",
    enterpriseId: null,
    extra: { tier: "gold" },
    revision: 3,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-02T00:00:00.000Z",
    ...values,
  };
}

describe("packPem: canonical PEM as bytes, exactly", () => {
  it("packs what openssl writes (certificates, keys) and gives back the same text", () => {
    for (const text of [
      certs.ca,
      certs.cert,
      certs.key,
      `${certs.ca}\n`,
      `${certs.ca}\n${certs.cert}`,
      `${certs.ca}\n${certs.cert}\n`,
    ]) {
      const packed = packPem(text);
      expect(packed, text).not.toBeNull();
      expect(unpackPem(packed as Buffer)).toBe(text);
      expect((packed as Buffer).length).toBeLessThan(text.length * 0.8);
    }
  });

  it("any bytes under any label, any length (full and partial last lines, padding or not, none at all)", () => {
    const label = fc.string({ unit: fc.constantFrom(..."ABCXYZ abc-0129+/=#"), minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(label, fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (blocks, final) => {
          const text = blocks.map(([l, der]) => pemOf(l, der)).join("\n") + (final ? "\n" : "");
          const packed = packPem(text);
          expect(packed).not.toBeNull();
          expect(unpackPem(packed as Buffer)).toBe(text);
        },
      ),
    );
  });

  it.each([
    ["CRLF line ends", certs.cert.replaceAll("\n", "\r\n")],
    [
      "lines of 76",
      `-----BEGIN X-----\n${(
        randomBytes(200)
          .toString("base64")
          .match(/.{1,76}/g) ?? []
      ).join("\n")}\n-----END X-----`,
    ],
    [
      "lines of 63",
      `-----BEGIN X-----\n${(
        randomBytes(120)
          .toString("base64")
          .match(/.{1,63}/g) ?? []
      ).join("\n")}\n-----END X-----`,
    ],
    ["no newline before the end line", "-----BEGIN X-----\nQUJD-----END X-----"],
    ["no body line at all", "-----BEGIN X-----\n-----END X-----"],
    ["two final newlines", `${certs.cert}\n\n`],
    ["a final CRLF", `${certs.cert}\r\n`],
    ["a final space", `${certs.cert} `],
    ["leading whitespace", ` ${certs.cert}`],
    ["a blank line between blocks", `${certs.ca}\n\n${certs.cert}`],
    ["text before the first block", `subject=/CN=ca\n${certs.ca}`],
    ["an END label that differs", "-----BEGIN X-----\nQUJD\n-----END Y-----"],
    ["non-zero padding bits", "-----BEGIN X-----\nQR==\n-----END X-----"],
    ["missing padding", "-----BEGIN X-----\nQQ\n-----END X-----"],
    ["URL-safe base64", "-----BEGIN X-----\nP-_A\n-----END X-----"],
    ["a character that is not base64", "-----BEGIN X-----\nQU*D\n-----END X-----"],
    [
      "an encrypted key's headers",
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n-----END RSA PRIVATE KEY-----",
    ],
    ["a lowercase armour", "-----begin X-----\nQUJD\n-----end X-----"],
    ["an empty label", "-----BEGIN -----\nQUJD\n-----END -----"],
    ["a label that is not ASCII", "-----BEGIN 证书-----\nQUJD\n-----END 证书-----"],
    ["a file path", "/etc/rainbond/region.d/ca.pem"],
    ["a placeholder", "<redacted>"],
    ["an empty string", ""],
  ])("%s: not packed (the value stays the string it is)", (_, text) => {
    expect(packPem(text as string)).toBeNull();
  });

  it("never gives back another text: any value near canonical PEM is packed only if it reads back the same", () => {
    const base = [
      certs.cert,
      certs.key,
      `${certs.ca}\n${certs.cert}\n`,
      pemOf("X", randomBytes(47)),
      pemOf("X", randomBytes(48)),
    ];
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.integer({ min: 0, max: 3 }),
      insert: fc.string({ unit: fc.constantFrom(..."\n\r =-+/AQgw0xZ_.-----"), maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.constantFrom(...base), fc.array(edit, { minLength: 1, maxLength: 3 }), (start, edits) => {
        let text = start;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        expect(roundTrip(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("any string at all reads back as itself", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expect(roundTrip(s)).toBe(s);
        expect(roundTrip(`-----BEGIN X-----\n${s}\n-----END X-----`)).toBe(`-----BEGIN X-----\n${s}\n-----END X-----`);
      }),
    );
  });
});

describe("compactCertificates: a region whose certificates are held as bytes reads as the region it was", () => {
  const plain = region();
  const compact = compactCertificates(plain);

  it("holds them compactly, and shows the same keys, in the same order, with the same values", () => {
    expect(isCompact(compact)).toBe(true);
    expect(compact).not.toBe(plain);
    expect(Object.keys(compact)).toEqual(Object.keys(plain));
    expect(Object.entries(compact)).toEqual(Object.entries(plain));
    expect(JSON.stringify(compact)).toBe(JSON.stringify(plain));
    expect(compact).toStrictEqual(plain);
    for (const f of pemFields) expect(compact[f]).toBe(plain[f]);
  });

  it("a spread, Object.assign, structuredClone and a field-by-field copy keep every certificate", () => {
    const changes = { alias: "new alias" };
    const spread = { ...compact, ...changes };
    expect(spread).toEqual({ ...plain, ...changes });
    expect(isCompact(spread)).toBe(false);
    expect(Object.assign({}, compact)).toEqual(plain);
    expect(structuredClone(compact)).toEqual(plain);
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(compact)) copy[k] = compact[k as keyof Region];
    expect(copy).toEqual(plain);
    // what the certificates are compared by: their text (a write's change detection, judgeCertificates)
    expect(compact.caCert === plain.caCert && compact.clientKey === spread.clientKey).toBe(true);
  });

  it("an assignment replaces the value, as on any object, and leaves the others", () => {
    const r = compactCertificates(region());
    r.caCert = null;
    r.clientCert = "/etc/cert.pem";
    expect(r.caCert).toBeNull();
    expect(r.clientCert).toBe("/etc/cert.pem");
    expect(r.clientKey).toBe(certs.key);
    expect(JSON.stringify(r)).toBe(JSON.stringify({ ...region(), caCert: null, clientCert: "/etc/cert.pem" }));
  });

  it("values that are not canonical PEM are kept as they are, beside packed ones; a region with none is returned as it is", () => {
    const mixed = region({ caCert: certs.ca.replaceAll("\n", "\r\n"), clientCert: null, clientKey: certs.key });
    const m = compactCertificates(mixed);
    expect(isCompact(m)).toBe(true);
    expect(JSON.stringify(m)).toBe(JSON.stringify(mixed));
    const none = region({ caCert: "/etc/ca.pem", clientCert: "", clientKey: null });
    expect(compactCertificates(none)).toBe(none);
  });

  it("regions made at once do not share their bytes: each reads its own", () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      region({ name: `r-${i}`, caCert: pemOf("CERTIFICATE", randomBytes(100 + i)) }),
    );
    const compacted = many.map(compactCertificates);
    expect(compacted.map((c) => JSON.stringify(c))).toEqual(many.map((r) => JSON.stringify(r)));
  });
});
