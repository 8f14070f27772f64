import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromRainbondAdd,
  fromRainbondUpdate,
  parseRainbondAdd,
  parseRainbondUpdate,
  rainbondAddSchema,
  rainbondUpdateSchema,
  statusFromRainbond,
  statusToRainbond,
  toRainbondV1Detail,
  toRainbondV1Item,
  toRainbondV1ListItem,
  toRainbondV2Item,
  toRainbondV2ListItem,
  toRainbondV2Page,
} from "../../src/adapters/rainbond.ts";
import { rainbondFields, rainbondKeyOf, rainbondKeys } from "../../src/adapters/rainbond-fields.ts";
import { GatewayError } from "../../src/domain/errors.ts";
import {
  checkRegionInput,
  nameProblems,
  type Region,
  type RegionInput,
  type RegionStatus,
  regionInputFields,
} from "../../src/domain/region.ts";

// ---------------------------------------------------------------------------------------------
// fixtures

const CA = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBclient\n-----END CERTIFICATE-----";
const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret\n-----END RSA PRIVATE KEY-----";

function region(overrides: Partial<Region> = {}): Region {
  return {
    uid: "0123456789abcdef0123456789abcdef",
    name: "rainbond-east",
    alias: "华东集群",
    locales: { "en-us": "East China" },
    description: "east cluster",
    scope: "public",
    status: "enabled",
    parentName: "china",
    apiUrl: "https://region.goodrain.me:8443",
    wsUrl: "wss://region.goodrain.me:6060",
    httpDomain: "apps.goodrain.me",
    tcpDomain: "47.92.1.2",
    caCert: CA,
    clientCert: CERT,
    clientKey: KEY,
    regionToken: "region-token",
    enterpriseId: "ent-1",
    extra: { owner: "ops" },
    revision: 3,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-02T00:00:00.000Z",
    ...overrides,
  };
}

/** A valid add body: every field the console's RegionInfoSerializer takes. */
function addBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region_name: "rainbond-east",
    region_alias: "华东集群",
    url: "https://region.goodrain.me:8443",
    wsurl: "wss://region.goodrain.me:6060",
    httpdomain: "apps.goodrain.me",
    tcpdomain: "47.92.1.2",
    ...overrides,
  };
}

/** A valid PUT body (UpdateRegionReq). */
function updateBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region_alias: "华东集群二",
    url: "https://region2.goodrain.me:8443",
    wsurl: "ws://region2.goodrain.me:6060",
    httpdomain: "apps2.goodrain.me",
    tcpdomain: "47.92.1.3",
    status: "2",
    ...overrides,
  };
}

/** The field errors a parse raises, or null when it passes. */
function errorsOf(parse: () => unknown): Record<string, string[]> | null {
  try {
    parse();
    return null;
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    expect(e.code).toBe("validation");
    return e.fields ?? {};
  }
}

const omit = (body: Record<string, unknown>, key: string) => {
  const { [key]: _, ...rest } = body;
  return rest;
};

const required = "该字段是必填项。";
const notNull = "该字段不能为 null。";
const notBlank = "该字段不能为空。";
const notString = "不是有效的字符串。";
const tooLong = (n: number) => `请确保这个字段不能超过 ${n} 个字符。`;

/** A URL that matches the console's regex and has exactly `n` characters. */
function urlOfLength(n: number, scheme = "https"): string {
  const head = `${scheme}://region.example.com/`;
  return head + "p".repeat(n - head.length);
}

// ---------------------------------------------------------------------------------------------

describe("the field table", () => {
  it("each Rainbond key carries its own canonical field; Rainbond cannot say locales, parent nor extras", () => {
    const carried = rainbondKeys.map((k) => rainbondFields[k].field);
    expect(new Set(carried).size).toBe(rainbondKeys.length);
    expect(regionInputFields.filter((f) => !carried.includes(f as never))).toEqual(["locales", "parentName", "extra"]);
    for (const k of rainbondKeys) expect(rainbondKeyOf[rainbondFields[k].field]).toBe(k);
  });
  it("the body schemas are the table's keys, in its order (the order of DRF's err keys)", () => {
    expect(Object.keys(rainbondAddSchema.shape)).toEqual(rainbondKeys);
    expect(Object.keys(rainbondUpdateSchema.shape)).toEqual(
      rainbondKeys.filter((k) => !["region_id", "region_name", "enterprise_id"].includes(k)),
    );
  });
});

describe("status: wire ⇄ canonical", () => {
  const table: [RegionStatus, string][] = [
    ["editing", "0"],
    ["enabled", "1"],
    ["disabled", "2"],
    ["maintenance", "3"],
  ];
  it.each(table)("%s is %s on the wire, both ways, as int or string", (canonical, wire) => {
    expect(statusToRainbond[canonical]).toBe(wire);
    expect(statusFromRainbond(wire)).toBe(canonical);
    expect(statusFromRainbond(Number(wire))).toBe(canonical);
  });
  it.each(["4", "-1", "", "enabled", "ONLINE", "01"])("%j is no status", (wire) => {
    expect(statusFromRainbond(wire)).toBeUndefined();
  });
  it.each(table)("output status of a %s region is the string %s in every view", (status, wire) => {
    const r = region({ status });
    const o = { includeSecrets: true };
    for (const item of [
      toRainbondV2Item(r, o),
      toRainbondV1Item(r, o),
      toRainbondV1ListItem(r, o),
      toRainbondV1Detail(r, o),
      toRainbondV2ListItem(r, o),
    ]) {
      expect(item.status).toBe(wire);
    }
  });
});

describe("add body validation (RegionInfoSerializer rules)", () => {
  it("accepts a minimal body: region_id, status, scope, desc and certs are optional", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody()))).toBeNull();
  });

  const requiredFields = ["region_name", "region_alias", "url", "wsurl", "httpdomain", "tcpdomain"];
  it.each(requiredFields)("%s: missing → 该字段是必填项。", (field) => {
    expect(errorsOf(() => parseRainbondAdd(omit(addBody(), field)))).toEqual({ [field]: [required] });
  });
  it.each(requiredFields)("%s: null → 该字段不能为 null。", (field) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: null })))).toEqual({ [field]: [notNull] });
  });
  it.each(requiredFields)("%s: blank or whitespace → 该字段不能为空。", (field) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: "" })))).toEqual({ [field]: [notBlank] });
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: "  \t " })))).toEqual({ [field]: [notBlank] });
  });

  it("an empty body names every required field at once", () => {
    expect(errorsOf(() => parseRainbondAdd({}))).toEqual(Object.fromEntries(requiredFields.map((f) => [f, [required]])));
  });

  const notNullable = ["region_id", "scope", "status", "desc"];
  it.each(notNullable)("%s: optional but not nullable → 该字段不能为 null。", (field) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: null })))).toEqual({ [field]: [notNull] });
  });
  it.each(["region_id", "scope", "status"])("%s: optional but not blank → 该字段不能为空。", (field) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: "" })))).toEqual({ [field]: [notBlank] });
  });

  const nullable = ["token", "ssl_ca_cert", "cert_file", "key_file", "enterprise_id"];
  it.each(nullable)("%s: null and blank are accepted", (field) => {
    expect(parseRainbondAdd(addBody({ [field]: null }))[field as "token"]).toBeNull();
    expect(parseRainbondAdd(addBody({ [field]: "" }))[field as "token"]).toBe("");
  });
  it("desc: blank is accepted", () => {
    expect(parseRainbondAdd(addBody({ desc: "   " })).desc).toBe("");
  });

  const lengths: [field: string, max: number, valueOfLength: (n: number) => string][] = [
    ["region_name", 64, (n) => "n".repeat(n)],
    ["region_alias", 64, (n) => "别".repeat(n)],
    ["region_id", 36, (n) => "a".repeat(n)],
    ["url", 256, (n) => urlOfLength(n)],
    ["wsurl", 256, (n) => urlOfLength(n, "wss")],
    ["httpdomain", 256, (n) => "h".repeat(n)],
    ["tcpdomain", 256, (n) => `1.2.3.4${"x".repeat(n - 7)}`],
    ["token", 255, (n) => "t".repeat(n)],
    ["desc", 200, (n) => "描".repeat(n)],
    ["enterprise_id", 36, (n) => "e".repeat(n)],
    ["scope", 10, (n) => "s".repeat(n)],
    ["status", 2, (n) => "1".repeat(n)],
  ];
  it.each(lengths)("%s: at most %i characters (counted as code points)", (field, max, make) => {
    if (field === "scope" || field === "status") {
      // at the maximum length the value is still checked by the field's own validator
      expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: make(max) })))?.[field]).not.toContain(tooLong(max));
    } else {
      expect(parseRainbondAdd(addBody({ [field]: make(max) }))[field as "url"]).toBe(make(max));
    }
    expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: make(max + 1) })))).toEqual({ [field]: [tooLong(max)] });
  });
  it("length counts code points, not UTF-16 units", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ region_alias: "😀".repeat(64) })))).toBeNull();
  });
  it("length is checked after trimming", () => {
    expect(parseRainbondAdd(addBody({ region_name: `  ${"n".repeat(64)}  ` })).region_name).toBe("n".repeat(64));
  });

  const goodUrls = [
    "http://region.goodrain.me",
    "https://region.goodrain.me:8443",
    "https://region.goodrain.me:8443/",
    "https://region.goodrain.me/api/v2?x=1",
    "ws://1.2.3.4:6060",
    "wss://192.168.0.10:6060/ws",
    "ftp://files.example.org",
    "ftps://files.example.org",
    "http://localhost:8443",
    "HTTPS://REGION.EXAMPLE.COM",
    "https://a-b.c-d.example.io.",
    "http://10.0.0.1",
  ];
  const badUrls = [
    "https://rbd-api-api:8443", // single-label host
    "http://rbd-api",
    "https://[::1]:8443", // IPv6
    "region.goodrain.me", // no scheme
    "gopher://region.goodrain.me",
    "https://-bad.example.com",
    "https://region.goodrain.me:port",
    "https://region.goodrain.me/a b",
    "https://",
    "string",
  ];
  it.each(goodUrls)("url and wsurl accept %s", (u) => {
    const add = parseRainbondAdd(addBody({ url: u, wsurl: u }));
    expect([add.url, add.wsurl]).toEqual([u, u]);
  });
  it.each(badUrls)("url and wsurl refuse %s with the console's messages", (u) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ url: u, wsurl: u })))).toEqual({
      url: ["集群API地址非法"],
      wsurl: ["集群Websocket地址非法"],
    });
  });
  it("url is trimmed before the regex", () => {
    expect(parseRainbondAdd(addBody({ url: "  https://region.goodrain.me:8443\n" })).url).toBe("https://region.goodrain.me:8443");
  });

  it.each(["1.2.3.4", "47.92.1.2", "255.255.255.255", "1.2.3.4.nip.io", "10.0.0.1:80", "1.2.3.4 trailing"])(
    "tcpdomain accepts %s (must start with an IPv4 address)",
    (v) => {
      expect(parseRainbondAdd(addBody({ tcpdomain: v })).tcpdomain).toBe(v);
    },
  );
  it.each(["example.com", "tcp.goodrain.me", "a1.2.3.4", "1.2.3", "localhost", "::1"])("tcpdomain refuses %s", (v) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ tcpdomain: v })))).toEqual({ tcpdomain: ["TCP访问地址非法"] });
  });

  it.each(["private", "public"])("scope accepts %s", (s) => {
    expect(parseRainbondAdd(addBody({ scope: s })).scope).toBe(s);
  });
  it.each(["Public", "PRIVATE", "shared", "string"])("scope refuses %s (case-sensitive)", (s) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ scope: s })))).toEqual({ scope: ["集群开放类型不正确"] });
  });

  it.each([0, 1, 2, 3, "0", "1", "2", "3", " 3 "])("status accepts %j", (s) => {
    expect(parseRainbondAdd(addBody({ status: s })).status).toBe(String(s).trim());
  });
  it.each([4, -1, "4", "01", "st", "on"])("status refuses %j → 集群状态值不正确", (s) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ status: s })))).toEqual({ status: ["集群状态值不正确"] });
  });
  it("status 1.5 is the string '1.5': too long, as in Python", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ status: 1.5 })))).toEqual({ status: [tooLong(2)] });
  });

  const allStringFields = [...requiredFields, "region_id", "token", "scope", "desc", "status", ...nullable];
  it.each(allStringFields)("%s: booleans, objects and arrays are not strings", (field) => {
    for (const bad of [true, false, { a: 1 }, ["x"], []]) {
      expect(errorsOf(() => parseRainbondAdd(addBody({ [field]: bad })))).toEqual({ [field]: [notString] });
    }
  });
  it("numbers are coerced to strings (DRF CharField)", () => {
    const add = parseRainbondAdd(addBody({ region_alias: 123, httpdomain: 42, desc: 7, token: 99, status: 2 }));
    expect(add).toMatchObject({ region_alias: "123", httpdomain: "42", desc: "7", token: "99", status: "2" });
  });
  it("leading and trailing whitespace is trimmed from every field, certificates included", () => {
    const add = parseRainbondAdd(
      addBody({ region_name: "  rb1 ", region_alias: "\tRB\n", key_file: `\n${KEY}\n`, token: " tok ", desc: " d " }),
    );
    expect(add).toMatchObject({ region_name: "rb1", region_alias: "RB", key_file: KEY, token: "tok", desc: "d" });
  });
  it("a NUL character is refused", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ region_alias: "a\u0000b" })))).toEqual({
      region_alias: ["不允许使用空字符。"],
    });
  });
  it("a lone UTF-16 surrogate is refused with DRF's message; a proper pair (an emoji) is fine", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ region_alias: "a\ud800b", desc: "x\udfff" })))).toEqual({
      region_alias: ["不允许使用代理字符: U+D800。"],
      desc: ["不允许使用代理字符: U+DFFF。"],
    });
    expect(parseRainbondAdd(addBody({ region_alias: "集群😀" })).region_alias).toBe("集群😀");
  });
  it("every failing field validator is reported (length, NUL, surrogate), the custom check only when they pass", () => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ region_alias: `${"a".repeat(64)}\u0000\ud800` })))).toEqual({
      region_alias: [tooLong(64), "不允许使用空字符。", "不允许使用代理字符: U+D800。"],
    });
    // too long and not a URL: only the length is reported, as DRF skips validate_url
    expect(errorsOf(() => parseRainbondAdd(addBody({ url: "x".repeat(257) })))).toEqual({ url: [tooLong(256)] });
  });
  it.each(["a/b", "a\u0001b", ".", ".."])("region_name and region_id %j are refused (they travel in URL paths)", (v) => {
    const fields = errorsOf(() => parseRainbondAdd(addBody({ region_name: v, region_id: v })));
    // in the serializer's field order, as DRF reports them
    expect(fields).toEqual({
      region_id: ["不能包含“/”或控制字符，也不能是“.”或“..”"],
      region_name: ["不能包含“/”或控制字符，也不能是“.”或“..”"],
    });
  });
  it("region_name has no other character rule: Unicode, dots and spaces inside are fine", () => {
    expect(parseRainbondAdd(addBody({ region_name: "华东 region.v2" })).region_name).toBe("华东 region.v2");
  });
  it("every broken field is reported at once", () => {
    expect(
      errorsOf(() =>
        parseRainbondAdd({ region_name: "", url: "https://rbd-api:8443", wsurl: 1, tcpdomain: "x", status: 9, scope: true }),
      ),
    ).toEqual({
      region_name: [notBlank],
      region_alias: [required],
      url: ["集群API地址非法"],
      wsurl: ["集群Websocket地址非法"],
      httpdomain: [required],
      tcpdomain: ["TCP访问地址非法"],
      status: ["集群状态值不正确"],
      scope: [notString],
    });
  });
  it("err keys come in RegionInfoSerializer's field order (as DRF reports them)", () => {
    const everythingWrong = Object.fromEntries(
      [
        "enterprise_id",
        "desc",
        "status",
        "key_file",
        "cert_file",
        "ssl_ca_cert",
        "scope",
        "tcpdomain",
        "httpdomain",
        "wsurl",
        "token",
        "url",
        "region_alias",
        "region_name",
        "region_id",
      ].map((f) => [f, true]),
    );
    expect(Object.keys(errorsOf(() => parseRainbondAdd(everythingWrong)) ?? {})).toEqual([
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
      "enterprise_id",
    ]);
    expect(Object.keys(errorsOf(() => parseRainbondUpdate(everythingWrong)) ?? {})).toEqual([
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
    ]);
  });
  it("unknown fields are ignored", () => {
    const add = parseRainbondAdd(addBody({ region_type: ["custom"], provider: "rke", extra: 1 }));
    expect(Object.keys(add)).not.toContain("region_type");
  });

  const nonObjects: [unknown, string][] = [
    [[], "list"],
    [[addBody()], "list"],
    [null, "NoneType"],
    ["region", "str"],
    [1, "int"],
    [1.5, "float"],
    [true, "bool"],
  ];
  it.each(nonObjects)("a body that is %j is refused as non_field_errors (%s)", (body, pythonType) => {
    expect(errorsOf(() => parseRainbondAdd(body))).toEqual({
      non_field_errors: [`无效数据。期待为字典类型，得到的是 ${pythonType} 。`],
    });
    expect(errorsOf(() => parseRainbondUpdate(body))).toEqual({
      non_field_errors: [`无效数据。期待为字典类型，得到的是 ${pythonType} 。`],
    });
  });
});

describe("add body → canonical", () => {
  it("keeps a given region_id, else uses the generated one", () => {
    expect(fromRainbondAdd(parseRainbondAdd(addBody({ region_id: "mine" })), "generated").uid).toBe("mine");
    expect(fromRainbondAdd(parseRainbondAdd(addBody()), "generated").uid).toBe("generated");
  });
  it("defaults: status enabled, scope private, desc empty, certs/token/enterprise null, no locales/parent/extra", () => {
    expect(fromRainbondAdd(parseRainbondAdd(addBody()), "u1")).toEqual({
      uid: "u1",
      name: "rainbond-east",
      alias: "华东集群",
      locales: {},
      description: "",
      scope: "private",
      status: "enabled",
      parentName: null,
      apiUrl: "https://region.goodrain.me:8443",
      wsUrl: "wss://region.goodrain.me:6060",
      httpDomain: "apps.goodrain.me",
      tcpDomain: "47.92.1.2",
      caCert: null,
      clientCert: null,
      clientKey: null,
      regionToken: null,
      enterpriseId: null,
      extra: {},
    } satisfies RegionInput);
  });
  it.each([
    [0, "editing"],
    ["0", "editing"],
    [1, "enabled"],
    ["2", "disabled"],
    [3, "maintenance"],
  ])("status %j → %s", (wire, canonical) => {
    expect(fromRainbondAdd(parseRainbondAdd(addBody({ status: wire })), "u").status).toBe(canonical);
  });
  it("a blank enterprise_id is stored as null", () => {
    expect(fromRainbondAdd(parseRainbondAdd(addBody({ enterprise_id: "" })), "u").enterpriseId).toBeNull();
    expect(fromRainbondAdd(parseRainbondAdd(addBody({ enterprise_id: "e1" })), "u").enterpriseId).toBe("e1");
  });
});

describe("PUT body (UpdateRegionReq)", () => {
  const putRequired = ["region_alias", "url", "wsurl", "httpdomain", "tcpdomain", "status"];
  it.each(putRequired)("%s is required: a PUT is a full replace", (field) => {
    expect(errorsOf(() => parseRainbondUpdate(omit(updateBody(), field)))).toEqual({ [field]: [required] });
  });
  it("an empty body names every required field", () => {
    expect(errorsOf(() => parseRainbondUpdate({}))).toEqual(Object.fromEntries(putRequired.map((f) => [f, [required]])));
  });
  it("applies the same field rules as the add body", () => {
    expect(
      errorsOf(() =>
        parseRainbondUpdate(
          updateBody({ url: "https://rbd-api:8443", tcpdomain: "example.com", scope: "x", status: 5, desc: null }),
        ),
      ),
    ).toEqual({
      url: ["集群API地址非法"],
      tcpdomain: ["TCP访问地址非法"],
      scope: ["集群开放类型不正确"],
      status: ["集群状态值不正确"],
      desc: [notNull],
    });
  });
  it("region_name and region_id in the body are ignored (immutable)", () => {
    const changes = fromRainbondUpdate(parseRainbondUpdate(updateBody({ region_name: "other", region_id: "x" })));
    expect(changes).not.toHaveProperty("name");
    expect(changes).not.toHaveProperty("uid");
  });
  it("replaces alias, endpoints and status; omitted desc, scope, certs and token are not touched", () => {
    expect(fromRainbondUpdate(parseRainbondUpdate(updateBody()))).toEqual({
      alias: "华东集群二",
      apiUrl: "https://region2.goodrain.me:8443",
      wsUrl: "ws://region2.goodrain.me:6060",
      httpDomain: "apps2.goodrain.me",
      tcpDomain: "47.92.1.3",
      status: "disabled",
    });
  });
  it("explicit null clears certificates and token; blank stores blank; values replace", () => {
    const changes = fromRainbondUpdate(
      parseRainbondUpdate(
        updateBody({ ssl_ca_cert: null, cert_file: "", key_file: KEY, token: null, desc: "", scope: "public" }),
      ),
    );
    expect(changes).toMatchObject({
      caCert: null,
      clientCert: "",
      clientKey: KEY,
      regionToken: null,
      description: "",
      scope: "public",
    });
  });
  it("status accepts 1 and '1' alike", () => {
    expect(fromRainbondUpdate(parseRainbondUpdate(updateBody({ status: 1 }))).status).toBe("enabled");
    expect(fromRainbondUpdate(parseRainbondUpdate(updateBody({ status: "1" }))).status).toBe("enabled");
  });
});

describe("round trips", () => {
  const o = { includeSecrets: true };
  /** What a Rainbond add can say about a region: everything but locales, parent and extras. */
  const rainbondPart = (r: Region, enterpriseId: string | null): RegionInput => ({
    uid: r.uid,
    name: r.name,
    alias: r.alias,
    locales: {},
    description: r.description,
    scope: r.scope,
    status: r.status,
    parentName: null,
    apiUrl: r.apiUrl,
    wsUrl: r.wsUrl,
    httpDomain: r.httpDomain,
    tcpDomain: r.tcpDomain,
    caCert: r.caCert,
    clientCert: r.clientCert,
    clientKey: r.clientKey,
    regionToken: r.regionToken,
    enterpriseId,
    extra: {},
  });
  const cases: [string, Region][] = [
    ["full region", region()],
    ["no certificates, no token", region({ caCert: null, clientCert: null, clientKey: null, regionToken: null })],
    ["private, editing, empty description", region({ scope: "private", status: "editing", description: "" })],
    ["disabled", region({ status: "disabled", enterpriseId: null })],
    [
      "maintenance, IP endpoints",
      region({ status: "maintenance", apiUrl: "https://10.0.0.1:8443", wsUrl: "ws://10.0.0.1:6060" }),
    ],
  ];
  it.each(cases)("%s: canonical → v2 item → add → canonical", (_, r) => {
    const wire = JSON.parse(JSON.stringify(toRainbondV2Item(r, o)));
    expect(fromRainbondAdd(parseRainbondAdd(wire), "unused")).toEqual(rainbondPart(r, null));
  });
  it.each(cases)("%s: canonical → v1 item (with enterprise_id) → add → canonical", (_, r) => {
    const wire = JSON.parse(JSON.stringify(toRainbondV1Item(r, o)));
    expect(fromRainbondAdd(parseRainbondAdd(wire), "unused")).toEqual(rainbondPart(r, r.enterpriseId));
  });
  it.each(cases)("%s: its v2 item as a PUT body onto another region sets every Rainbond field and keeps the rest", (_, r) => {
    const target = region({
      uid: "ffff",
      name: "target",
      alias: "old",
      status: "editing",
      apiUrl: "",
      wsUrl: "",
      httpDomain: "",
      tcpDomain: "",
      caCert: "old-ca",
      clientCert: "old-cert",
      clientKey: "old-key",
      regionToken: "old-token",
      locales: { "pt-br": "Leste" },
      parentName: "root",
      extra: { keep: true },
    });
    const wire = JSON.parse(JSON.stringify(toRainbondV2Item(r, o)));
    const after = { ...target, ...fromRainbondUpdate(parseRainbondUpdate(wire)) };
    expect(after).toEqual({
      ...target,
      alias: r.alias,
      description: r.description,
      scope: r.scope,
      status: r.status,
      apiUrl: r.apiUrl,
      wsUrl: r.wsUrl,
      httpDomain: r.httpDomain,
      tcpDomain: r.tcpDomain,
      caCert: r.caCert,
      clientCert: r.clientCert,
      clientKey: r.clientKey,
      regionToken: r.regionToken,
    });
  });
  it("a PUT built from a secret-less view (key_file and token null) would clear them: clients must omit them", () => {
    const wire = JSON.parse(JSON.stringify(toRainbondV2Item(region(), { includeSecrets: false })));
    const changes = fromRainbondUpdate(parseRainbondUpdate(wire));
    expect(changes.clientKey).toBeNull();
    expect(changes.regionToken).toBeNull();
    const { key_file: _k, token: _t, ...withoutSecrets } = wire;
    const kept = fromRainbondUpdate(parseRainbondUpdate(withoutSecrets));
    expect(kept).not.toHaveProperty("clientKey");
    expect(kept).not.toHaveProperty("regionToken");
  });
  it("a region born in Keystone (empty endpoints) cannot be re-added as it is shown: url etc. are blank", () => {
    const bare = region({ apiUrl: "", wsUrl: "", httpDomain: "", tcpDomain: "", status: "editing" });
    expect(Object.keys(errorsOf(() => parseRainbondAdd(toRainbondV2Item(bare, o))) ?? {})).toEqual([
      "url",
      "wsurl",
      "httpdomain",
      "tcpdomain",
    ]);
  });

  it("property: any Rainbond-expressible region survives canonical → wire → canonical", () => {
    const text = (max: number) =>
      fc
        .string({ minLength: 1, maxLength: max, unit: "binary" })
        .filter((s) => s === s.trim() && s.trim() !== "" && !s.includes("\u0000") && [...s].length <= max);
    const host = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.[a-z]{2,6}$/);
    const pem = fc.option(text(400), { nil: null });
    const arb = fc.record({
      uid: fc.stringMatching(/^[0-9a-f]{32}$/),
      name: text(64).filter((s) => nameProblems(s).length === 0),
      alias: text(64),
      description: fc.oneof(fc.constant(""), text(200)),
      scope: fc.constantFrom("public" as const, "private" as const),
      status: fc.constantFrom("editing" as const, "enabled" as const, "disabled" as const, "maintenance" as const),
      apiUrl: fc
        .tuple(fc.constantFrom("http", "https"), host, fc.integer({ min: 1, max: 65535 }))
        .map(([s, h, p]) => `${s}://${h}:${p}`),
      wsUrl: fc.tuple(fc.constantFrom("ws", "wss"), host).map(([s, h]) => `${s}://${h}`),
      httpDomain: text(256),
      tcpDomain: fc.ipV4().map((ip) => `${ip}`),
      caCert: pem,
      clientCert: pem,
      clientKey: pem,
      regionToken: fc.option(text(255), { nil: null }),
      enterpriseId: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: null }),
    });
    fc.assert(
      fc.property(arb, (fields) => {
        const r = region(fields);
        const wire = JSON.parse(JSON.stringify(toRainbondV1Item(r, o)));
        expect(fromRainbondAdd(parseRainbondAdd(wire), "unused")).toEqual(rainbondPart(r, r.enterpriseId));
      }),
      { numRuns: 300 },
    );
  });
});

describe("no canonical rule is left for the catalogue to refuse", () => {
  // Whatever the adapter accepts, the catalogue's canonical check (checkRegionInput) accepts too:
  // else a Rainbond caller would be answered with a canonical key and an English message.
  const tricky = ["a", "中", ".", "/", " ", "\u00a0", "\u0085", "\u009f", "\u0080", "\u007f", "\u001f", "\u2028", "\ufeff", "😀"];
  const value = fc.oneof(
    fc.string({ maxLength: 70, unit: "binary" }),
    fc.string({ maxLength: 8, unit: fc.constantFrom(...tricky) }),
    fc.constantFrom(".", "..", " . ", "a/b", null, 7),
  );
  const accepted = (parse: () => unknown): boolean => {
    try {
      parse();
      return true;
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      return false;
    }
  };

  it("property: an add body the adapter accepts is a canonical region", () => {
    fc.assert(
      fc.property(
        fc.record({ region_id: value, region_name: value, region_alias: value, desc: value, httpdomain: value }),
        (f) => {
          const body = addBody(f);
          if (!accepted(() => parseRainbondAdd(body))) return;
          expect(() => checkRegionInput(fromRainbondAdd(parseRainbondAdd(body), "generated"))).not.toThrow();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("property: a PUT body the adapter accepts keeps a region canonical", () => {
    fc.assert(
      fc.property(fc.record({ region_alias: value, desc: value, httpdomain: value, token: value }), (f) => {
        const body = { ...addBody(f), status: "1" };
        if (!accepted(() => parseRainbondUpdate(body))) return;
        const { revision, createdAt, updatedAt, ...current } = region();
        expect(() => checkRegionInput({ ...current, ...fromRainbondUpdate(parseRainbondUpdate(body)) })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it.each(["c1\u0085name", "id\u0080", "\u009f"])("%j: refused by the adapter in the console's words", (v) => {
    expect(errorsOf(() => parseRainbondAdd(addBody({ region_name: v, region_id: v })))).toEqual({
      region_id: ["不能包含“/”或控制字符，也不能是“.”或“..”"],
      region_name: ["不能包含“/”或控制字符，也不能是“.”或“..”"],
    });
  });
});

describe("golden fixtures from the API documents", () => {
  // test/fixtures/rainbond-00N-*.txt are verbatim copies of the Rainbond console API documents.
  const fixture = (file: string) => readFileSync(new URL(`../fixtures/${file}`, import.meta.url), "utf8");
  /** The "Body请求参数" example of a document. */
  const documentedBody = (file: string) => {
    const m = /```json title="Body请求参数"\n([\s\S]*?)\n```/.exec(fixture(file));
    if (!m?.[1]) throw new Error(`no request body example in ${file}`);
    return JSON.parse(m[1]) as Record<string, unknown>;
  };
  /** The JSON example under a "### <model>" heading of a document. */
  const documentedModel = (file: string, model: string) => {
    const text = fixture(file);
    const at = text.indexOf(`### ${model}`);
    const m = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
    if (at < 0 || !m?.[1]) throw new Error(`no ${model} example in ${file}`);
    return JSON.parse(m[1]) as Record<string, unknown>;
  };

  /** 002 (添加数据中心v2): the "Body请求参数" example, verbatim. */
  const doc002AddBody = {
    cert_file: "string",
    desc: "string",
    httpdomain: "string",
    key_file: "string",
    region_alias: "string",
    region_name: "string",
    scope: "string",
    ssl_ca_cert: "string",
    status: 0,
    tcpdomain: "string",
    url: "string",
    wsurl: "string",
  };
  /** 003 (更新指定数据中心元数据): the "Body请求参数" example, verbatim. */
  const doc003UpdateBody = {
    region_alias: "string",
    url: "string",
    token: "string",
    wsurl: "string",
    httpdomain: "string",
    tcpdomain: "string",
    scope: "string",
    ssl_ca_cert: "string",
    cert_file: "string",
    key_file: "string",
    status: "st",
    desc: "string",
  };
  /** v2_RegionInfoSerializer example (002, 003), key order as documented. */
  const docV2Item = {
    region_id: "string",
    region_name: "string",
    region_alias: "string",
    url: "string",
    token: "string",
    wsurl: "string",
    httpdomain: "string",
    tcpdomain: "string",
    scope: "string",
    ssl_ca_cert: "string",
    cert_file: "string",
    key_file: "string",
    status: "st",
    desc: "string",
  };
  /** RegionInfoResp example (000), key order as documented. */
  const docV1ListItem = {
    region_id: "string",
    region_name: "string",
    region_alias: "string",
    url: "string",
    wsurl: "string",
    httpdomain: "string",
    tcpdomain: "string",
    status: "st",
    desc: "string",
    scope: "private",
    ssl_ca_cert: "string",
    cert_file: "string",
    key_file: "string",
  };

  it("the payloads above are the documents' examples, key for key and in order", () => {
    const add = documentedBody("rainbond-002-add-region-v2.txt");
    const update = documentedBody("rainbond-003-update-region.txt");
    expect(add).toEqual(doc002AddBody);
    expect(update).toEqual(doc003UpdateBody);
    expect(Object.keys(update)).toEqual(Object.keys(doc003UpdateBody));
    const v2Item = documentedModel("rainbond-002-add-region-v2.txt", "v2_RegionInfoSerializer");
    expect(Object.keys(v2Item)).toEqual(Object.keys(docV2Item));
    expect(documentedModel("rainbond-003-update-region.txt", "v2_RegionInfoSerializer")).toEqual(v2Item);
    const v1Item = documentedModel("rainbond-000-list-regions.txt", "RegionInfoResp");
    expect(Object.keys(v1Item)).toEqual(Object.keys(docV1ListItem));
  });

  it("002 add body verbatim: the placeholders fail exactly the format checks (url, wsurl, tcpdomain, scope)", () => {
    expect(errorsOf(() => parseRainbondAdd(doc002AddBody))).toEqual({
      url: ["集群API地址非法"],
      wsurl: ["集群Websocket地址非法"],
      tcpdomain: ["TCP访问地址非法"],
      scope: ["集群开放类型不正确"],
    });
  });
  it("002 add body with real values in the documented shape (status as integer 0) → canonical", () => {
    const body = {
      ...doc002AddBody,
      cert_file: CERT,
      desc: "杭州机房",
      httpdomain: "apps.goodrain.me",
      key_file: KEY,
      region_alias: "杭州",
      region_name: "hangzhou",
      scope: "public",
      ssl_ca_cert: CA,
      tcpdomain: "47.92.1.2",
      url: "https://47.92.1.2:8443",
      wsurl: "ws://47.92.1.2:6060",
    };
    expect(fromRainbondAdd(parseRainbondAdd(body), "9f0c3b1e2d4a4c6e8b0a1c2d3e4f5a6b")).toEqual({
      uid: "9f0c3b1e2d4a4c6e8b0a1c2d3e4f5a6b",
      name: "hangzhou",
      alias: "杭州",
      locales: {},
      description: "杭州机房",
      scope: "public",
      status: "editing",
      parentName: null,
      apiUrl: "https://47.92.1.2:8443",
      wsUrl: "ws://47.92.1.2:6060",
      httpDomain: "apps.goodrain.me",
      tcpDomain: "47.92.1.2",
      caCert: CA,
      clientCert: CERT,
      clientKey: KEY,
      regionToken: null,
      enterpriseId: null,
      extra: {},
    });
  });
  it("003 update body verbatim: the placeholders fail url, wsurl, tcpdomain, scope and status ('st')", () => {
    expect(errorsOf(() => parseRainbondUpdate(doc003UpdateBody))).toEqual({
      url: ["集群API地址非法"],
      wsurl: ["集群Websocket地址非法"],
      tcpdomain: ["TCP访问地址非法"],
      scope: ["集群开放类型不正确"],
      status: ["集群状态值不正确"],
    });
  });
  it("003 update body with real values in the documented shape → changes", () => {
    const body = {
      ...doc003UpdateBody,
      region_alias: "杭州二区",
      url: "https://region.hz.example.com:8443",
      token: "tok-2",
      wsurl: "wss://region.hz.example.com:6060",
      httpdomain: "apps.hz.example.com",
      tcpdomain: "10.1.2.3",
      scope: "private",
      ssl_ca_cert: CA,
      cert_file: CERT,
      key_file: KEY,
      status: "3",
      desc: "",
    };
    expect(fromRainbondUpdate(parseRainbondUpdate(body))).toEqual({
      alias: "杭州二区",
      apiUrl: "https://region.hz.example.com:8443",
      wsUrl: "wss://region.hz.example.com:6060",
      httpDomain: "apps.hz.example.com",
      tcpDomain: "10.1.2.3",
      status: "maintenance",
      description: "",
      scope: "private",
      regionToken: "tok-2",
      caCert: CA,
      clientCert: CERT,
      clientKey: KEY,
    });
  });
  it("the v2 item has exactly the documented v2_RegionInfoSerializer keys, in order", () => {
    expect(Object.keys(toRainbondV2Item(region(), { includeSecrets: true }))).toEqual(Object.keys(docV2Item));
  });
  it("the v1 POST answer is the v2 item plus enterprise_id (RegionInfoSerializer)", () => {
    expect(Object.keys(toRainbondV1Item(region(), { includeSecrets: true }))).toEqual([
      ...Object.keys(docV2Item),
      "enterprise_id",
    ]);
    expect(toRainbondV1Item(region(), { includeSecrets: true }).enterprise_id).toBe("ent-1");
  });
  it("a v1 list item has exactly the documented RegionInfoResp keys, in order", () => {
    expect(Object.keys(toRainbondV1ListItem(region(), { includeSecrets: true }))).toEqual(Object.keys(docV1ListItem));
  });
  it("every documented field is a string (or null where documented ¦null)", () => {
    const nullable = new Set(["token", "ssl_ca_cert", "cert_file", "key_file"]);
    const bare = region({ caCert: null, clientCert: null, clientKey: null, regionToken: null });
    for (const [k, v] of Object.entries(toRainbondV2Item(bare, { includeSecrets: true }))) {
      if (nullable.has(k)) expect(v === null || typeof v === "string").toBe(true);
      else expect(typeof v, k).toBe("string");
    }
  });
  it("v2 item values map one to one to canonical fields", () => {
    expect(toRainbondV2Item(region(), { includeSecrets: true })).toEqual({
      region_id: "0123456789abcdef0123456789abcdef",
      region_name: "rainbond-east",
      region_alias: "华东集群",
      url: "https://region.goodrain.me:8443",
      token: "region-token",
      wsurl: "wss://region.goodrain.me:6060",
      httpdomain: "apps.goodrain.me",
      tcpdomain: "47.92.1.2",
      scope: "public",
      ssl_ca_cert: CA,
      cert_file: CERT,
      key_file: KEY,
      status: "1",
      desc: "east cluster",
    });
  });
  it("the v1 detail and v2 list item carry the same values", () => {
    const r = region();
    const v2 = toRainbondV2Item(r, { includeSecrets: true });
    const { token: _t, ...withoutToken } = v2;
    expect(toRainbondV1Detail(r, { includeSecrets: true })).toEqual(withoutToken);
    expect(toRainbondV2ListItem(r, { includeSecrets: true })).toEqual({ ...v2, enterprise_id: "ent-1", region_type: [] });
  });
});

describe("secrets", () => {
  const r = region();
  const views = {
    v2Item: toRainbondV2Item,
    v1Item: toRainbondV1Item,
    v1ListItem: toRainbondV1ListItem,
    v1Detail: toRainbondV1Detail,
    v2ListItem: toRainbondV2ListItem,
  };
  it.each(Object.entries(views))("%s: key_file and token are null without includeSecrets; public certs stay", (_, view) => {
    const hidden = view(r, { includeSecrets: false }) as Record<string, unknown>;
    expect(hidden.key_file).toBeNull();
    if ("token" in hidden) expect(hidden.token).toBeNull();
    expect(hidden.ssl_ca_cert).toBe(CA);
    expect(hidden.cert_file).toBe(CERT);
    expect(JSON.stringify(hidden)).not.toContain("MIIEsecret");
    expect(JSON.stringify(hidden)).not.toContain("region-token");
  });
  it.each(Object.entries(views))("%s: key_file (and token where the view has it) shown with includeSecrets", (_, view) => {
    const shown = view(r, { includeSecrets: true }) as Record<string, unknown>;
    expect(shown.key_file).toBe(KEY);
    if ("token" in shown) expect(shown.token).toBe("region-token");
  });
  it("the v2 page hides secrets too", () => {
    const page = toRainbondV2Page([r], {}, { includeSecrets: false });
    expect(JSON.stringify(page)).not.toContain("MIIEsecret");
    expect(JSON.stringify(page)).not.toContain("region-token");
  });
});

describe("v2 list paging", () => {
  const names = ["alpha", "beta", "gamma", "delta", "epsilon"];
  const regions = names.map((n, i) => region({ uid: `uid-${i}`, name: n, alias: `Alias ${n.toUpperCase()}` }));
  const o = { includeSecrets: true };
  const page = (q: Record<string, string>) => {
    const p = toRainbondV2Page(regions, q, o);
    return { total: p.total, names: p.data.map((d) => d.region_name) };
  };
  const table: [string, Record<string, string>, { total: number; names: string[] }][] = [
    ["no parameters: current 1, pageSize 99", {}, { total: 5, names }],
    ["pageSize 2, page 1", { pageSize: "2" }, { total: 5, names: ["alpha", "beta"] }],
    ["pageSize 2, page 2", { current: "2", pageSize: "2" }, { total: 5, names: ["gamma", "delta"] }],
    ["pageSize 2, page 3 (partial)", { current: "3", pageSize: "2" }, { total: 5, names: ["epsilon"] }],
    ["page past the end is empty", { current: "4", pageSize: "2" }, { total: 5, names: [] }],
    ["far past the end", { current: "1000" }, { total: 5, names: [] }],
    ["current 0 disables paging", { current: "0", pageSize: "2" }, { total: 5, names }],
    ["pageSize 0 disables paging", { current: "3", pageSize: "0" }, { total: 5, names }],
    ["unparsable values fall back to 1/99", { current: "x", pageSize: "1e2" }, { total: 5, names }],
    ["blank values fall back", { current: "", pageSize: "" }, { total: 5, names }],
    ["int() tolerates spaces and a sign", { current: " +2 ", pageSize: " 2" }, { total: 5, names: ["gamma", "delta"] }],
    ["negative disables paging", { current: "-1", pageSize: "2" }, { total: 5, names }],
    ["query: substring of the name", { query: "mm" }, { total: 1, names: ["gamma"] }],
    ["query: substring of the alias", { query: "Alias D" }, { total: 1, names: ["delta"] }],
    ["query is case-sensitive", { query: "ALPHA" }, { total: 1, names: ["alpha"] }],
    ["query is case-sensitive (no match)", { query: "Gamma" }, { total: 0, names: [] }],
    [
      "query matching several; total counts before paging",
      { query: "a", pageSize: "2", current: "2" },
      { total: 5, names: ["gamma", "delta"] },
    ],
    ["query with paging", { query: "ta", pageSize: "1", current: "2" }, { total: 2, names: ["delta"] }],
    ["empty query matches all", { query: "" }, { total: 5, names }],
    ["query does not match region_id", { query: "uid-1" }, { total: 0, names: [] }],
  ];
  it.each(table)("%s", (_, q, expected) => {
    expect(page(q)).toEqual(expected);
  });
  it("items are v2 list items: v2 item + enterprise_id + region_type", () => {
    const p = toRainbondV2Page(regions.slice(0, 1), {}, o);
    expect(p).toEqual({
      total: 1,
      data: [{ ...toRainbondV2Item(regions[0] as Region, o), enterprise_id: "ent-1", region_type: [] }],
    });
  });
  it("an empty catalogue gives total 0 and no data", () => {
    expect(toRainbondV2Page([], { current: "2" }, o)).toEqual({ total: 0, data: [] });
  });
});

describe("purity", () => {
  it("the adapter imports nothing but zod, the domain and its own field rules", () => {
    for (const file of ["rainbond.ts", "rainbond-fields.ts"]) {
      const source = readFileSync(new URL(`../../src/adapters/${file}`, import.meta.url), "utf8");
      const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
      for (const i of imports) expect(i).toMatch(/^(zod|\.\.\/domain\/[\w-]+\.ts|\.\/rainbond-fields\.ts)$/);
    }
  });
});
