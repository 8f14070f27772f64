import fc from "fast-check";
import { jsonProblem } from "../../src/domain/json-limits.ts";
import type { RegionInput } from "../../src/domain/region.ts";

/**
 * Generated canonical regions. Text is already trimmed and within the Rainbond console's
 * rules (the console trims and checks what it reads, so anything else could not have come
 * from a Rainbond source); names are unique within one generated catalogue.
 */
const text = (min: number, max: number) =>
  fc
    .string({ minLength: min, maxLength: max, unit: fc.constantFrom(..."abcxyz-_. 华东北区é0123456789") })
    .map((s) => s.trim())
    .filter((s) => s.length >= min);

const name = fc
  .tuple(fc.constantFrom("cn", "eu", "us", "区域", "rb"), text(0, 20))
  .map(([a, b]) => `${a}${b}`.trim())
  .filter((s) => s !== "." && s !== "..");
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const host = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.constantFrom("example.com", "goodrain.me", "cluster.local"))
    .map(([h, d]) => `${h}.${d}`),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join(".")),
);
const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const pem = (label: string) =>
  fc.stringMatching(/^[A-Za-z0-9+/]{4,40}$/).map((b) => `-----BEGIN ${label}-----\n${b}\n-----END ${label}-----`);
const localeKey = fc.constantFrom("zh-cn", "en-us", "pt-br", "es-us", "es-es");
// toString: a key named like an Object.prototype method is plain data. __proto__, constructor
// and prototype are refused wherever user JSON is read (json-limits.ts), so no document holds them.
const extraKey = fc.constantFrom("enabled", "foo", "owner", "tier", "toString");
const json = fc
  .jsonValue({ maxDepth: 2 })
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown)
  .filter((v) => jsonProblem(v) === null);

export const regionInput: fc.Arbitrary<Omit<RegionInput, "name" | "parentName">> = fc.record({
  uid: hex32,
  alias: text(1, 40),
  locales: fc.dictionary(localeKey, text(1, 20), { maxKeys: 3 }),
  description: text(0, 60),
  scope: fc.constantFrom("public", "private"),
  status: fc.constantFrom("editing", "enabled", "disabled", "maintenance"),
  apiUrl: fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `https://${h}:${p}`),
  wsUrl: fc.tuple(host, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `wss://${h}:${p}`),
  httpDomain: fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.constantFrom(".example.com", ".apps.local")).map(([a, b]) => a + b),
  tcpDomain: ip,
  caCert: fc.option(pem("CERTIFICATE"), { nil: null }),
  clientCert: fc.option(pem("CERTIFICATE"), { nil: null }),
  clientKey: fc.option(pem("PRIVATE KEY"), { nil: null }),
  // a prefix no other generator produces: "secret not written" checks search for the whole token
  regionToken: fc.option(
    fc.stringMatching(/^[A-Za-z0-9]{8,40}$/).map((t) => `rgtoken-${t}`),
    { nil: null },
  ),
  enterpriseId: fc.option(hex32, { nil: null }),
  extra: fc.dictionary(extraKey, json, { maxKeys: 3 }).map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>),
}) as fc.Arbitrary<Omit<RegionInput, "name" | "parentName">>;

/** A catalogue: unique names and uids, parents (if any) earlier regions of the same list. */
export const catalogue = (options: { parents: boolean; maxLength?: number } = { parents: true }) =>
  fc
    .uniqueArray(fc.tuple(name, regionInput, fc.nat()), {
      minLength: 1,
      maxLength: options.maxLength ?? 6,
      selector: ([n]) => n,
    })
    .filter((items) => new Set(items.map(([, r]) => r.uid)).size === items.length)
    .map((items) =>
      items.map(([n, r, pick], i): RegionInput => {
        const parent = options.parents && i > 0 && pick % 3 !== 0 ? (items[pick % i]?.[0] ?? null) : null;
        return { ...r, name: n, parentName: parent };
      }),
    );
