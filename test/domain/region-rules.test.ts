import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { meetsRegionRules, newRegionInput, type RegionInput, regionSchema } from "../../src/domain/region.ts";

const schema = regionSchema.omit({ revision: true, createdAt: true, updatedAt: true });

/** Texts at and around every rule: lengths at the limits, NUL, lone and paired surrogates, padding, slashes, controls, dot segments. */
const text = fc.oneof(
  fc.constantFrom(
    "",
    "a",
    ".",
    "..",
    "a/b",
    " a",
    "a ",
    "a\u0000b",
    "a\u0001",
    "a\u007f",
    "a\u0085",
    "\uD800",
    "x\uDC00",
    "\uD83D\uDE00",
    "区域",
    "x".repeat(36),
    "x".repeat(37),
    "x".repeat(255),
    "x".repeat(256),
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);
const value = fc.oneof(text, fc.constant(null), fc.integer(), fc.constant(undefined), fc.constant([]), fc.constant({}));
const record = fc.oneof(
  fc.dictionary(text, text, { maxKeys: 3 }),
  fc.dictionary(text, value, { maxKeys: 3 }),
  fc.constant({ deep: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) }),
  fc.constant(JSON.parse('{"__proto__": "x"}')),
  fc.constant([]),
  fc.constant(null),
  fc.constant("x"),
);
const fields: { [K in keyof RegionInput]: fc.Arbitrary<unknown> } = {
  uid: fc.oneof(text, value),
  name: fc.oneof(text, value),
  alias: fc.oneof(text, value),
  locales: record,
  description: fc.oneof(text, value),
  scope: fc.oneof(fc.constantFrom("public", "private", "Public", ""), value),
  status: fc.oneof(fc.constantFrom("editing", "enabled", "disabled", "maintenance", "on"), value),
  parentName: fc.oneof(text, value),
  apiUrl: fc.oneof(text, value),
  wsUrl: fc.oneof(text, value),
  httpDomain: fc.oneof(text, value),
  tcpDomain: fc.oneof(text, value),
  caCert: fc.oneof(text, value),
  clientCert: fc.oneof(text, value),
  clientKey: fc.oneof(text, value),
  regionToken: fc.oneof(text, value),
  enterpriseId: fc.oneof(text, value),
  extra: record,
};

describe("meetsRegionRules: the region schema's answer, without zod", () => {
  it("agrees with the zod schema on a valid region with any one field replaced", () => {
    const keys = Object.keys(fields) as (keyof RegionInput)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.constant(null).chain(() => fc.record(fields)),
        (key, random) => {
          const input = { ...newRegionInput("r-1", "uid-1"), [key]: random[key] } as RegionInput;
          expect(meetsRegionRules(input)).toBe(schema.safeParse(input).success);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("agrees with the zod schema on regions made of random fields", () => {
    fc.assert(
      fc.property(fc.record(fields), (input) => {
        expect(meetsRegionRules(input as RegionInput)).toBe(schema.safeParse(input).success);
      }),
      { numRuns: 2000 },
    );
  });
});
