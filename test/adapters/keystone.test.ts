import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkMatchingId,
  checkRegionId,
  fromKeystoneCreate,
  fromKeystoneUpdate,
  isEmptyUpdate,
  type KeystoneRegion,
  keystoneFields,
  keystoneKeys,
  parseKeystoneBody,
  regionUrl,
  toKeystoneList,
  toKeystoneRegion,
} from "../../src/adapters/keystone.ts";
import { GatewayError } from "../../src/domain/errors.ts";
import { checkRegionInput, newRegionInput, type Region, type RegionChanges } from "../../src/domain/region.ts";
import { captureBase, capturedBody, capturedRequestBody } from "../support/keystone-captures.ts";

const base = captureBase;

function region(name: string, overrides: Partial<Region> = {}): Region {
  return {
    ...newRegionInput(name, `uid-${name}`.slice(0, 36)),
    revision: 1,
    createdAt: "2026-11-26T06:53:43.000Z",
    updatedAt: "2026-11-26T06:53:43.000Z",
    ...overrides,
  };
}

/** Keys the gateway adds to Keystone's region object by design (Huawei's model). */
function withoutHuaweiKeys(r: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, locales: _locales, ...rest } = r;
  return rest;
}

/** What a client sees: the JSON text parsed back (drops undefined, copies everything). */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a GatewayError, nothing was thrown");
}

const applyChanges = (r: Region, ch: RegionChanges): Region => ({ ...r, ...ch });

describe("the field table", () => {
  it("each Keystone key carries its own canonical field; every other property is an extra", () => {
    const carried = keystoneKeys.map((k) => keystoneFields[k]);
    expect(new Set(carried).size).toBe(keystoneKeys.length);
    expect(Object.keys(toKeystoneRegion(region("r", { extra: { id: "hidden", links: 1, own: 2 } }), ""))).toEqual([
      "own",
      ...keystoneKeys,
      "links",
    ]);
  });
});

describe("toKeystoneRegion", () => {
  it("renders every Keystone key plus Huawei's type and locales, and nothing else", () => {
    const r = region("cn-north-1", { description: "China North 1", scope: "public", alias: "华北一" });
    expect(wire(toKeystoneRegion(r, base))).toEqual({
      id: "cn-north-1",
      description: "China North 1",
      parent_region_id: null,
      type: "public",
      locales: { "zh-cn": "华北一", "en-us": "cn-north-1" },
      links: { self: "http://127.0.0.1:5000/v3/regions/cn-north-1" },
    });
  });

  it("never shows Rainbond endpoints, certificates, tokens or canonical bookkeeping", () => {
    const r = region("secret-region", {
      apiUrl: "https://10.0.0.1:8443",
      wsUrl: "wss://10.0.0.1:6060",
      httpDomain: "apps.example.com",
      tcpDomain: "10.0.0.1",
      caCert: "-----BEGIN CERTIFICATE-----ca",
      clientCert: "-----BEGIN CERTIFICATE-----cert",
      clientKey: "-----BEGIN PRIVATE KEY-----key",
      regionToken: "region-token-value",
      enterpriseId: "ent-1",
      status: "enabled",
    });
    const text = JSON.stringify(toKeystoneRegion(r, base));
    for (const secret of [
      "10.0.0.1",
      "apps.example.com",
      "BEGIN",
      "region-token-value",
      "ent-1",
      "uid-",
      "enabled",
      "revision",
      "2026-",
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it.each<{ name: string; locales: Record<string, string>; alias: string; want: Record<string, string> }>([
    {
      name: "no locales: zh-cn falls back to the alias, en-us to the region's id",
      locales: {},
      alias: "北京",
      want: { "zh-cn": "北京", "en-us": "r" },
    },
    {
      name: "zh-cn only: en-us falls back to the id, never to the Chinese alias",
      locales: { "zh-cn": "北京" },
      alias: "北京",
      want: { "zh-cn": "北京", "en-us": "r" },
    },
    {
      name: "en-us only: zh-cn falls back",
      locales: { "en-us": "Beijing" },
      alias: "x",
      want: { "zh-cn": "x", "en-us": "Beijing" },
    },
    {
      name: "optional locales are passed through",
      locales: { "zh-cn": "圣保罗", "en-us": "Sao Paulo", "pt-br": "São Paulo", "es-us": "San Pablo" },
      alias: "圣保罗",
      want: { "zh-cn": "圣保罗", "en-us": "Sao Paulo", "pt-br": "São Paulo", "es-us": "San Pablo" },
    },
  ])("locales: $name", ({ locales, alias, want }) => {
    expect(toKeystoneRegion(region("r", { locales, alias }), base).locales).toEqual(want);
  });

  it("does not share the canonical locales object (rendering must not mutate the snapshot)", () => {
    const r = region("r", { locales: { "pt-br": "x" } });
    toKeystoneRegion(r, base);
    expect(r.locales).toEqual({ "pt-br": "x" });
  });

  it("merges extra properties into the object, but never lets them override its own keys", () => {
    const r = region("eu-west-1", {
      extra: {
        enabled: true,
        foo: "bar",
        id: "spoofed",
        links: { self: "x" },
        type: "x",
        locales: "x",
        description: "x",
        parent_region_id: "x",
      },
      description: "EU West 1",
    });
    const k = toKeystoneRegion(r, base);
    expect(k).toMatchObject({
      enabled: true,
      foo: "bar",
      id: "eu-west-1",
      description: "EU West 1",
      parent_region_id: null,
      type: "private",
    });
    expect(k.links).toEqual({ self: `${base}/v3/regions/eu-west-1` });
  });

  it.each([
    ["plain", "RegionOne", "http://127.0.0.1:5000/v3/regions/RegionOne"],
    ["raw, not URL-encoded (Keystone joins it as is)", "a b:c", "http://127.0.0.1:5000/v3/regions/a b:c"],
    ["unicode", "中国-香港", "http://127.0.0.1:5000/v3/regions/中国-香港"],
  ])("links.self: %s", (_label, id, want) => {
    expect(regionUrl(base, id)).toBe(want);
    expect(toKeystoneRegion(region(id), base).links.self).toBe(want);
  });

  it("uses the base URL it is given, path prefix included", () => {
    expect(toKeystoneRegion(region("r"), "https://iam.example.com/identity").links.self).toBe(
      "https://iam.example.com/identity/v3/regions/r",
    );
  });
});

describe("golden: canonical regions render as the Keystone 22 captures (minus type and locales)", () => {
  // The state of the real Keystone when capture 13 was taken, as canonical regions.
  const captured: Region[] = [
    region("RegionOne"),
    region("cn-north-1", { description: "China North 1" }),
    region("cn-north-1a", { description: "China North 1 zone a", parentName: "cn-north-1" }),
    region("cn-north-1b", { description: "China North 1 zone b", parentName: "cn-north-1" }),
    region("9158de421d8243479615d66fa414d44a", { description: "no explicit id" }),
    region("eu-west-1", { description: "EU West 1", extra: { enabled: true, foo: "bar" } }),
    region("us-east-1", { description: "created with PUT" }),
  ];
  const byName = (n: string) => captured.find((r) => r.name === n) as Region;

  it.each([
    [7, "cn-north-1"],
    [8, "cn-north-1a"],
    [9, "cn-north-1b"],
    [10, "9158de421d8243479615d66fa414d44a"],
    [11, "eu-west-1"],
    [12, "us-east-1"],
    [14, "cn-north-1"],
  ])("capture %i: {region: %s}", (n, name) => {
    const body = capturedBody(n) as { region: Record<string, unknown> };
    const ours = wire(toKeystoneRegion(byName(name), base));
    expect(withoutHuaweiKeys(ours)).toEqual(body.region);
  });

  it("capture 13: the whole list, envelope included", () => {
    const body = capturedBody(13) as { regions: Record<string, unknown>[]; links: unknown };
    const ours = wire(toKeystoneList(captured, {}, base, `${base}/v3/regions`));
    expect(ours.links).toEqual(body.links);
    expect(ours.regions.map(withoutHuaweiKeys)).toEqual(body.regions);
  });

  it("capture 15: ?parent_region_id=cn-north-1, self echoes the query", () => {
    const body = capturedBody(15) as { regions: Record<string, unknown>[]; links: unknown };
    const ours = wire(
      toKeystoneList(captured, { parent_region_id: "cn-north-1" }, base, `${base}/v3/regions?parent_region_id=cn-north-1`),
    );
    expect(ours.links).toEqual(body.links);
    expect(ours.regions.map(withoutHuaweiKeys)).toEqual(body.regions);
  });

  it("capture 16: a parent filter that matches nothing gives an empty list", () => {
    const body = capturedBody(16);
    const ours = wire(
      toKeystoneList(captured, { parent_region_id: "nonexistent" }, base, `${base}/v3/regions?parent_region_id=nonexistent`),
    );
    expect(ours).toEqual(body);
  });

  it("capture 17 (deliberate deviation): ?name= filters by id instead of being ignored", () => {
    const body = capturedBody(17) as { regions: unknown[]; links: unknown };
    expect(body.regions).toHaveLength(7); // Keystone 22 ignores ?name=x ...
    const ours = wire(toKeystoneList(captured, { name: "x" }, base, `${base}/v3/regions?name=x`));
    expect(ours).toEqual({ regions: [], links: body.links }); // ... the gateway finds no region named x
    const one = wire(toKeystoneList(captured, { name: "eu-west-1" }, base, `${base}/v3/regions?name=eu-west-1`));
    expect(one.regions.map((r) => r.id)).toEqual(["eu-west-1"]);
  });

  it("capture 56: the final list", () => {
    const final = ["RegionOne", "cn-north-1b", "9158de421d8243479615d66fa414d44a", "eu-west-1"].map((n) =>
      n === "cn-north-1b" ? { ...byName(n), parentName: null } : byName(n),
    );
    const body = capturedBody(56) as { regions: Record<string, unknown>[]; links: unknown };
    const ours = wire(toKeystoneList(final, {}, base, `${base}/v3/regions`));
    expect(ours.links).toEqual(body.links);
    expect(ours.regions.map(withoutHuaweiKeys)).toEqual(body.regions);
  });

  // request body → parse → canonical → render equals the response body Keystone sent
  it.each([
    { n: 7, generated: "unused" },
    { n: 8, generated: "unused" },
    { n: 9, generated: "unused" },
    { n: 10, generated: "9158de421d8243479615d66fa414d44a" },
    { n: 11, generated: "unused" },
  ])("capture $n: the POST request body creates the region the response shows", ({ n, generated }) => {
    const input = fromKeystoneCreate(parseKeystoneBody(capturedRequestBody(n)), generated, "0123456789abcdef0123456789abcdef");
    const rendered = wire(toKeystoneRegion({ ...region("x"), ...input }, base));
    expect(withoutHuaweiKeys(rendered)).toEqual((capturedBody(n) as { region: unknown }).region);
    expect(rendered.type).toBe("public");
  });

  it("capture 12: the PUT request body with the id from the URL", () => {
    const body = parseKeystoneBody(capturedRequestBody(12));
    const input = fromKeystoneCreate({ ...body, id: "us-east-1" }, "us-east-1", "u");
    expect(withoutHuaweiKeys(wire(toKeystoneRegion({ ...region("x"), ...input }, base)))).toEqual(
      (capturedBody(12) as { region: unknown }).region,
    );
  });

  it.each([
    { n: 42, name: "cn-north-1", before: {} },
    { n: 46, name: "cn-north-1b", before: {} },
    { n: 47, name: "cn-north-1b", before: { parentName: "eu-west-1" } },
  ])("capture $n: the PATCH request body changes the region as the response shows", ({ n, name, before }) => {
    const current = { ...byName(name), ...before };
    const changes = fromKeystoneUpdate(parseKeystoneBody(capturedRequestBody(n)), name, current);
    const rendered = wire(toKeystoneRegion(applyChanges(current, changes), base));
    expect(withoutHuaweiKeys(rendered)).toEqual((capturedBody(n) as { region: unknown }).region);
  });

  it("capture 45: a PATCH that changes the id is refused with Keystone's message", () => {
    const e = thrown(() => fromKeystoneUpdate(parseKeystoneBody(capturedRequestBody(45)), "cn-north-1", byName("cn-north-1")));
    expect(e.status).toBe(400);
    expect(e.message).toBe((capturedBody(45) as { error: { message: string } }).error.message);
  });
});

describe("golden: Huawei IAM documentation", () => {
  it("KeystoneListRegions example (support.huaweicloud.com iam_05_0001) renders exactly, type and locales included", () => {
    const huaweiBase = "https://iam.myhuaweicloud.com";
    const r = region("ap-southeast-1", {
      scope: "public",
      alias: "中国-香港",
      locales: { "zh-cn": "中国-香港", "en-us": "ap-southeast-1" },
    });
    expect(wire(toKeystoneList([r], {}, huaweiBase, `${huaweiBase}/v3/regions`))).toEqual({
      regions: [
        {
          parent_region_id: null,
          description: "",
          links: { self: "https://iam.myhuaweicloud.com/v3/regions/ap-southeast-1" },
          type: "public",
          id: "ap-southeast-1",
          locales: { "zh-cn": "中国-香港", "en-us": "ap-southeast-1" },
        },
      ],
      links: { self: "https://iam.myhuaweicloud.com/v3/regions", previous: null, next: null },
    });
  });

  // The English API reference's sample response (004): its base URL is literally "None".
  const doc = readFileSync(path.join(import.meta.dirname, "..", "fixtures", "huawei-iam-004-list-regions.txt"), "utf8");
  const sample = JSON.parse(doc.slice(doc.indexOf("{", doc.indexOf("Sample response")), doc.indexOf("Status Codes")).trim()) as {
    regions: Record<string, unknown>[];
    links: unknown;
  };

  it("the 004 sample parses and has the four documented regions", () => {
    expect(sample.regions.map((r) => r.id)).toEqual(["1500365963661574434", "500017826026667755", "test2", "test1112244"]);
  });

  it.each([0, 1, 3])("004 sample region %i: parse → canonical → render gives it back (plus the zh-cn locale and a type)", (i) => {
    const entry = sample.regions[i] as Record<string, unknown> & { locales: Record<string, string> };
    const input = fromKeystoneCreate(parseKeystoneBody({ region: entry }), "unused", "u");
    expect(input.name).toBe(entry.id);
    expect(input.scope).toBe(entry.type ?? "public");
    expect(input.locales).toEqual(entry.locales);
    expect(input.extra).toEqual({});
    const ours = wire(toKeystoneRegion({ ...region("x"), ...input }, "None"));
    // Go's model has no omitempty on zh-cn: the gateway always emits it (falling back to the alias)
    expect(ours.locales).toEqual({ "zh-cn": entry.locales["en-us"], ...entry.locales });
    expect(withoutHuaweiKeys(ours)).toEqual(withoutHuaweiKeys(entry));
    if (entry.type !== undefined) expect(ours.type).toBe(entry.type);
  });

  it("004 sample envelope: links with previous and next null", () => {
    expect(wire(toKeystoneList([], {}, "None", "None/v3/regions")).links).toEqual(sample.links);
  });
});

describe("round trips: canonical → toKeystoneRegion → parseKeystoneBody → fromKeystoneCreate / fromKeystoneUpdate", () => {
  const cases: { label: string; r: Region }[] = [
    { label: "defaults only", r: region("RegionOne") },
    {
      label: "description, parent, public",
      r: region("cn-north-1a", { description: "zone a", parentName: "cn-north-1", scope: "public" }),
    },
    {
      label: "private with every Huawei locale",
      r: region("sa-brazil-1", {
        scope: "private",
        alias: "拉美-圣保罗一",
        locales: {
          "zh-cn": "拉美-圣保罗一",
          "en-us": "LA-Sao Paulo1",
          "pt-br": "AL-São Paulo1",
          "es-us": "AL-Sao Paulo1",
          "es-es": "AL-Sao Paulo1",
        },
      }),
    },
    {
      label: "extras of every JSON type",
      r: region("eu-west-1", {
        description: "EU West 1",
        extra: {
          enabled: true,
          foo: "bar",
          n: 1.5,
          zero: 0,
          nothing: null,
          list: [1, "two", { three: 3 }],
          nested: { a: { b: [] } },
        },
      }),
    },
    {
      label: "unicode id and description",
      r: region("中国-香港", { description: "香港 “quoted” \\ back", alias: "中国-香港", scope: "public" }),
    },
    { label: "id with spaces, colons and dots", r: region("a b:c.d_e-f", { description: "x".repeat(255) }) },
    { label: "255-character id", r: region("r".repeat(255)) },
    {
      label: "255-character locale names",
      r: region("loc", { alias: "名".repeat(255), locales: { "zh-cn": "名".repeat(255), "en-us": "n".repeat(255) } }),
    },
  ];

  it.each(cases)("create: $label", ({ r }) => {
    const rendered = wire({ region: toKeystoneRegion(r, base) });
    const input = fromKeystoneCreate(parseKeystoneBody(rendered), "generated-not-used", r.uid);
    expect(input.name).toBe(r.name);
    expect(input.uid).toBe(r.uid);
    expect(input.description).toBe(r.description);
    expect(input.parentName).toBe(r.parentName);
    expect(input.scope).toBe(r.scope);
    expect(input.alias).toBe(r.alias);
    expect(input.extra).toEqual(r.extra);
    // locales come back as rendered: the mandatory two filled in (zh-cn from the alias, en-us from the id)
    expect(input.locales).toEqual({ "zh-cn": r.alias, "en-us": r.name, ...r.locales });
    // and rendering the result again gives the same object, key for key
    expect(wire(toKeystoneRegion({ ...r, ...input }, base))).toEqual(rendered.region);
    // Rainbond-only fields are not invented
    expect(input).toMatchObject({
      apiUrl: "",
      wsUrl: "",
      httpDomain: "",
      tcpDomain: "",
      caCert: null,
      clientKey: null,
      regionToken: null,
      status: "editing",
    });
  });

  it.each(cases)("update: $label", ({ r }) => {
    const rendered = wire({ region: toKeystoneRegion(r, base) });
    const withEndpoints: Region = { ...r, apiUrl: "https://a", clientKey: "k", regionToken: "t", status: "enabled" };
    const changes = fromKeystoneUpdate(parseKeystoneBody(rendered), r.name, withEndpoints);
    for (const k of [
      "apiUrl",
      "wsUrl",
      "httpDomain",
      "tcpDomain",
      "caCert",
      "clientCert",
      "clientKey",
      "regionToken",
      "status",
      "enterpriseId",
      "uid",
      "name",
    ]) {
      expect(changes).not.toHaveProperty(k);
    }
    const after = applyChanges(withEndpoints, changes);
    expect(wire(toKeystoneRegion(after, base))).toEqual(rendered.region);
    expect(after).toMatchObject({ apiUrl: "https://a", clientKey: "k", regionToken: "t", status: "enabled" });
  });
});

describe("parseKeystoneBody", () => {
  it.each([
    {
      label: "id and description",
      body: { region: { id: "a", description: "d" } },
      want: { id: "a", description: "d", extra: {} },
    },
    { label: "empty region", body: { region: {} }, want: { extra: {} } },
    { label: "description null → ''", body: { region: { description: null } }, want: { description: "", extra: {} } },
    { label: "parent null", body: { region: { parent_region_id: null } }, want: { parentName: null, extra: {} } },
    { label: "parent ''", body: { region: { parent_region_id: "" } }, want: { parentName: null, extra: {} } },
    { label: "parent", body: { region: { parent_region_id: "p" } }, want: { parentName: "p", extra: {} } },
    { label: "type private", body: { region: { type: "private" } }, want: { scope: "private", extra: {} } },
    { label: "locales", body: { region: { locales: { "en-us": "E" } } }, want: { locales: { "en-us": "E" }, extra: {} } },
    { label: "links are read-only and ignored", body: { region: { links: { self: "http://elsewhere" } } }, want: { extra: {} } },
    {
      label: "extras kept as given (the openstack CLI sends enabled: true)",
      body: { region: { id: "x", enabled: true, foo: "bar", obj: { a: [1] } } },
      want: { id: "x", extra: { enabled: true, foo: "bar", obj: { a: [1] } } },
    },
    {
      label: "unknown top-level keys beside region are ignored",
      body: { region: { id: "x" }, other: 1 },
      want: { id: "x", extra: {} },
    },
  ])("accepts $label", ({ body, want }) => {
    expect(parseKeystoneBody(body)).toEqual(want);
  });

  it("keeps an extra named __proto__ as data (no prototype games)", () => {
    const parsed = parseKeystoneBody(JSON.parse('{"region":{"id":"x","__proto__":{"polluted":true}}}'));
    expect(Object.getPrototypeOf(parsed.extra)).toBe(Object.prototype);
    expect(Object.keys(parsed.extra)).toEqual(["__proto__"]);
    expect(JSON.stringify(parsed.extra)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    // captures 28 and 29 (Keystone adds jsonschema's dump after the first line)
    { label: "missing wrapper (capture 28)", body: capturedRequestBody(28), message: /None is not of type 'object'/ },
    {
      label: "region not an object (capture 29)",
      body: capturedRequestBody(29),
      message: /'cn-north-9' is not of type 'object'/,
    },
    { label: "region an array", body: { region: [] }, message: /is not of type 'object'/ },
    { label: "region null", body: { region: null }, message: /None is not of type 'object'/ },
    { label: "body null", body: null, message: /None is not of type 'object'/ },
    { label: "body an array", body: [{ region: {} }], message: /None is not of type 'object'/ },
    { label: "body a string", body: "region", message: /None is not of type 'object'/ },
    {
      label: "description a number (capture 26)",
      body: capturedRequestBody(26),
      message: /^Invalid input for field 'description': 123 is not of type 'string', 'null'/,
    },
    { label: "description an object", body: { region: { description: {} } }, message: /field 'description'/ },
    {
      label: "description over 255",
      body: { region: { description: "d".repeat(256) } },
      message: /field 'description'.*too long/,
    },
    {
      label: "id a number",
      body: { region: { id: 1234 } },
      message: /^Invalid input for field 'id': 1234 is not of type 'string'/,
    },
    { label: "id null", body: { region: { id: null } }, message: /field 'id': None is not of type 'string'/ },
    { label: "parent a number", body: { region: { parent_region_id: 7 } }, message: /field 'parent_region_id'/ },
    { label: "type unknown", body: { region: { type: "hybrid" } }, message: /field 'type'/ },
    { label: "type null", body: { region: { type: null } }, message: /field 'type'/ },
    { label: "locales a string", body: { region: { locales: "en-us" } }, message: /field 'locales'/ },
    { label: "locales with a non-string value", body: { region: { locales: { "en-us": 1 } } }, message: /field 'locales'/ },
    { label: "locales an array", body: { region: { locales: ["en-us"] } }, message: /field 'locales'/ },
    {
      label: "a locale's name over 255",
      body: { region: { locales: { "zh-cn": "名".repeat(256) } } },
      message: /field 'locales\/zh-cn'.*too long/,
    },
  ])("refuses $label with a 400", ({ body, message }) => {
    const e = thrown(() => parseKeystoneBody(body));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(message);
  });

  it.each([26, 28, 29])("capture %i: Keystone's message up to its jsonschema dump, word for word", (n) => {
    const keystone = (capturedBody(n) as { error: { message: string } }).error.message;
    const ours = thrown(() => parseKeystoneBody(capturedRequestBody(n))).message;
    expect(keystone.split("\n")[0]).toBe(ours);
  });
});

describe("checkRegionId", () => {
  it.each(["a", "RegionOne", "r".repeat(255), "中".repeat(255), "a b", "a:b", "9158de421d8243479615d66fa414d44a"])(
    "accepts %j",
    (id) => {
      expect(() => checkRegionId(id)).not.toThrow();
    },
  );

  it("refuses an id over 255 characters with Keystone's message (capture 31)", () => {
    const id = capturedRequestBody(31) as { region: { id: string } };
    expect(id.region.id).toHaveLength(300);
    const e = thrown(() => checkRegionId(id.region.id));
    expect(e.status).toBe(400);
    expect(e.message).toBe((capturedBody(31) as { error: { message: string } }).error.message);
  });

  it.each(["a/b", "/", "a\nb", "a\u0000", "tab\there", "del\u007f", ".", ".."])("refuses %j (ids travel in URL paths)", (id) => {
    expect(thrown(() => checkRegionId(id)).status).toBe(400);
  });
});

describe("fromKeystoneCreate", () => {
  it.each([
    { label: "id absent → generated", body: {}, name: "0123456789abcdef0123456789abcdef" },
    { label: "id '' → generated", body: { id: "" }, name: "0123456789abcdef0123456789abcdef" },
    { label: "id given → kept", body: { id: "cn-north-1" }, name: "cn-north-1" },
  ])("$label", ({ body, name }) => {
    const input = fromKeystoneCreate(parseKeystoneBody({ region: body }), "0123456789abcdef0123456789abcdef", "uid-1");
    expect(input.name).toBe(name);
    expect(input.uid).toBe("uid-1");
  });

  it("fills Keystone's defaults: description '', no parent, public, alias = id, editing", () => {
    expect(fromKeystoneCreate(parseKeystoneBody({ region: { id: "r" } }), "g", "u")).toEqual({
      ...newRegionInput("r", "u"),
      scope: "public",
      alias: "r",
    });
  });

  it.each([
    { locales: { "zh-cn": "华北", "en-us": "North" }, alias: "华北" },
    { locales: { "en-us": "North" }, alias: "North" },
    { locales: { "pt-br": "Norte" }, alias: "r" },
  ])("takes the alias from locales $locales → $alias", ({ locales, alias }) => {
    expect(fromKeystoneCreate(parseKeystoneBody({ region: { id: "r", locales } }), "g", "u").alias).toBe(alias);
  });

  it.each(["a/b", "p".repeat(256), "..", "bad\u0001"])(
    "a parent no region can be named (%j) is 404 for that parent, as Keystone's RegionNotFound",
    (parent) => {
      const e = thrown(() => fromKeystoneCreate(parseKeystoneBody({ region: { id: "r", parent_region_id: parent } }), "g", "u"));
      expect(e.status).toBe(404);
      expect(e.code).toBe("not_found");
      expect(e.subject).toBe(parent);
    },
  );

  it("checks the id it ends up with", () => {
    expect(thrown(() => fromKeystoneCreate(parseKeystoneBody({ region: { id: "a/b" } }), "g", "u")).status).toBe(400);
    expect(thrown(() => fromKeystoneCreate(parseKeystoneBody({ region: { id: "x".repeat(256) } }), "g", "u")).status).toBe(400);
  });
});

describe("fromKeystoneUpdate", () => {
  const current = region("cn-north-1", {
    description: "China North 1",
    parentName: "cn",
    scope: "public",
    alias: "华北",
    locales: { "zh-cn": "华北" },
    extra: { keep: 1, replace: "old" },
  });

  it.each<{ label: string; body: Record<string, unknown>; want: RegionChanges }>([
    { label: "description", body: { description: "new" }, want: { description: "new" } },
    { label: "description null → ''", body: { description: null }, want: { description: "" } },
    {
      label: "parent only keeps the description (not in the changes)",
      body: { parent_region_id: "other" },
      want: { parentName: "other" },
    },
    { label: "unparent", body: { parent_region_id: null }, want: { parentName: null } },
    { label: "same id is allowed", body: { id: "cn-north-1", description: "d" }, want: { description: "d" } },
    { label: "type", body: { type: "private" }, want: { scope: "private" } },
    {
      label: "locales with zh-cn also change the alias",
      body: { locales: { "zh-cn": "新", "en-us": "N" } },
      want: { locales: { "zh-cn": "新", "en-us": "N" }, alias: "新" },
    },
    { label: "locales without zh-cn keep the alias", body: { locales: { "en-us": "N" } }, want: { locales: { "en-us": "N" } } },
    {
      label: "extras merge into the stored ones",
      body: { replace: "new", added: true },
      want: { extra: { keep: 1, replace: "new", added: true } },
    },
    { label: "links alone change nothing", body: { links: { self: "x" } }, want: {} },
  ])("$label", ({ body, want }) => {
    expect(fromKeystoneUpdate(parseKeystoneBody({ region: body }), "cn-north-1", current)).toEqual(want);
  });

  it("refuses an id change with Keystone's message", () => {
    const e = thrown(() => fromKeystoneUpdate(parseKeystoneBody({ region: { id: "renamed" } }), "cn-north-1", current));
    expect(e.status).toBe(400);
    expect(e.message).toBe("Cannot change ID");
  });

  it.each(["a/b", "p".repeat(256)])("a parent no region can be named (%j) is 404 for that parent", (parent) => {
    const e = thrown(() =>
      fromKeystoneUpdate(parseKeystoneBody({ region: { parent_region_id: parent } }), "cn-north-1", current),
    );
    expect(e.status).toBe(404);
    expect(e.subject).toBe(parent);
  });

  it("checkMatchingId: the URL's id passes, another is 'Cannot change ID', none passes", () => {
    expect(() => checkMatchingId(parseKeystoneBody({ region: { id: "a" } }), "a")).not.toThrow();
    expect(() => checkMatchingId(parseKeystoneBody({ region: {} }), "a")).not.toThrow();
    expect(thrown(() => checkMatchingId(parseKeystoneBody({ region: { id: "b" } }), "a")).message).toBe("Cannot change ID");
    expect(thrown(() => checkMatchingId(parseKeystoneBody({ region: { id: "" } }), "a")).status).toBe(400);
  });

  it("does not mutate the current region's extra", () => {
    fromKeystoneUpdate(parseKeystoneBody({ region: { replace: "new" } }), "cn-north-1", current);
    expect(current.extra).toEqual({ keep: 1, replace: "old" });
  });
});

describe("isEmptyUpdate", () => {
  it.each([
    [{ region: {} }, true],
    [{ region: { description: "" } }, false],
    [{ region: { links: {} } }, false],
    [{}, false],
    [null, false],
    [{ region: null }, false],
    [{ region: "x" }, false],
  ])("%j → %s", (body, want) => {
    expect(isEmptyUpdate(body)).toBe(want);
  });
});

describe("toKeystoneList", () => {
  const rs = [region("p"), region("c1", { parentName: "p" }), region("c2", { parentName: "p" }), region("q")];
  it.each([
    { q: {}, want: ["p", "c1", "c2", "q"] },
    { q: { parent_region_id: "p" }, want: ["c1", "c2"] },
    { q: { parent_region_id: "" }, want: [] },
    { q: { parent_region_id: "c1" }, want: [] },
    { q: { name: "c2" }, want: ["c2"] },
    { q: { name: "C2" }, want: [] },
    { q: { name: "c2", parent_region_id: "p" }, want: ["c2"] },
    { q: { name: "q", parent_region_id: "p" }, want: [] },
  ])("$q → $want", ({ q, want }) => {
    const list = toKeystoneList(rs, q, base, "self-url");
    expect(list.regions.map((r: KeystoneRegion) => r.id)).toEqual(want);
    expect(list.links).toEqual({ self: "self-url", previous: null, next: null });
  });

  it("always has next and previous keys, null (Keystone's assertValidListLinks)", () => {
    const text = JSON.stringify(toKeystoneList([], {}, base, `${base}/v3/regions`));
    expect(text).toContain('"previous":null');
    expect(text).toContain('"next":null');
  });
});

describe("no canonical rule is left for the catalogue to refuse", () => {
  // Whatever the adapter accepts, the catalogue's canonical check accepts too: else a Keystone
  // caller would be answered about canonical fields (name, alias, extra) it never sent.
  const tricky = ["a", "中", ".", "/", " ", "\u0000", "\u0085", "\u007f", "\ud800", "\udc00", "😀"];
  const text = fc.oneof(
    fc.string({ maxLength: 8, unit: fc.constantFrom(...tricky) }),
    fc.string({ maxLength: 20, unit: "binary" }),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.boolean(), fc.constant(null), tie("list"), tie("object")),
    list: fc.array(tie("value"), { maxLength: 3 }),
    object: fc.dictionary(text, tie("value"), { maxKeys: 3 }),
  })).value;
  const deep = fc.integer({ min: 25, max: 40 }).map((n) => {
    let v: unknown = "leaf";
    for (let i = 0; i < n; i++) v = { k: v };
    return v;
  });
  const region = fc.record(
    {
      id: text,
      description: fc.oneof(text, fc.constant(null)),
      parent_region_id: fc.oneof(text, fc.constant(null)),
      locales: fc.dictionary(text, text, { maxKeys: 3 }),
      extraKey: text,
      extraValue: fc.oneof(json, deep),
    },
    { requiredKeys: ["id"] },
  );

  it("property: a create body the adapter accepts is a canonical region", () => {
    fc.assert(
      fc.property(region, ({ extraKey, extraValue, ...own }) => {
        const body = { region: { ...own, ...(extraKey === undefined ? {} : { [`x-${extraKey}`]: extraValue }) } };
        let input: ReturnType<typeof fromKeystoneCreate>;
        try {
          input = fromKeystoneCreate(parseKeystoneBody(body), "generated", "uid-1");
        } catch (e) {
          if (e instanceof GatewayError) return;
          throw e;
        }
        expect(() => checkRegionInput(input)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
