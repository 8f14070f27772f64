import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toKeystoneRegion } from "../../src/adapters/keystone.ts";
import type { RegionInput } from "../../src/domain/region.ts";
import { convertDocument } from "../../src/migration/convert.ts";
import { detectFormat } from "../../src/migration/detect.ts";
import { asRegion, DocumentError, type Format, formats, fromCatalogRegion } from "../../src/migration/document.ts";
import { parseDocument } from "../../src/migration/parse.ts";
import { renderDocument } from "../../src/migration/render.ts";
import { catalogue } from "./arbitraries.ts";

const base = "https://gw.example.com";
const withSecrets = { includeSecrets: true, baseUrl: base };
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const docOf = (format: Format, regions: RegionInput[], o = withSecrets) =>
  json(
    renderDocument(
      format,
      regions.map((r) => fromCatalogRegion(asRegion(r))),
      o,
    ),
  );

describe("round trips within one format are lossless (fast-check over generated canonical regions)", () => {
  for (const format of formats) {
    it(`${format}: document → canonical → document gives the same document`, () => {
      fc.assert(
        fc.property(catalogue({ parents: format !== "rainbond" }), (regions) => {
          const doc = docOf(format, regions);
          const parsed = parseDocument(format, doc);
          expect(parsed.rejected).toEqual([]);
          expect(
            json(
              renderDocument(
                format,
                parsed.records.map((r) => r.region),
                withSecrets,
              ),
            ),
          ).toEqual(doc);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("canonical: every field of every region comes back", () => {
    fc.assert(
      fc.property(catalogue(), (regions) => {
        const parsed = parseDocument("canonical", docOf("canonical", regions));
        expect(parsed.records.map((r) => r.region.values)).toEqual(regions);
      }),
      { numRuns: 150 },
    );
  });

  it("rainbond: every field Rainbond has comes back (region_id is kept as the uid)", () => {
    fc.assert(
      fc.property(catalogue({ parents: false }), (regions) => {
        const parsed = parseDocument("rainbond", docOf("rainbond", regions));
        parsed.records.forEach(({ region }, i) => {
          const r = regions[i] as RegionInput;
          // what Rainbond cannot carry gets the canonical defaults
          expect(region.values).toEqual({ ...r, locales: {}, parentName: null, extra: {} });
          expect([...region.carried]).not.toEqual(expect.arrayContaining(["locales"]));
        });
      }),
      { numRuns: 150 },
    );
  });

  it("keystone: every field Keystone has comes back (the /v3 view is identical)", () => {
    fc.assert(
      fc.property(catalogue(), (regions) => {
        const parsed = parseDocument("keystone", docOf("keystone", regions));
        parsed.records.forEach(({ region }, i) => {
          const r = regions[i] as RegionInput;
          expect(toKeystoneRegion(asRegion(region.values), base)).toEqual(json(toKeystoneRegion(asRegion(r), base)));
        });
      }),
      { numRuns: 150 },
    );
  });

  it("secrets are written only when asked", () => {
    fc.assert(
      fc.property(catalogue(), (regions) => {
        for (const format of formats) {
          const text = JSON.stringify(docOf(format, regions, { includeSecrets: false, baseUrl: base }));
          for (const r of regions) {
            if (r.clientKey) expect(text).not.toContain(r.clientKey);
            if (r.regionToken) expect(text).not.toContain(r.regionToken);
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("cross-format conversions lose exactly what the report says", () => {
  /** Converts a document from → to → from and lists, per region, the keys that did not come back. */
  function reconverted(from: Format, to: Format, doc: unknown, includeSecrets: boolean) {
    const there = convertDocument(parseDocument(from, doc), to, { includeSecrets, baseUrl: base });
    const back = convertDocument(parseDocument(to, json(there.document)), from, withSecrets);
    const items = (d: unknown) =>
      from === "keystone" ? (d as { regions: Record<string, unknown>[] }).regions : (d as Record<string, unknown>[]);
    const before = items(doc);
    const after = items(json(back.document));
    const differing = before.map((item, i) => {
      const other = after[i] as Record<string, unknown>;
      return Object.keys(item)
        .filter((k) => {
          const v = item[k];
          const empty = v === null || v === "" || (typeof v === "object" && Object.keys(v as object).length === 0);
          return Object.hasOwn(other, k) ? JSON.stringify(other[k]) !== JSON.stringify(v) : !empty;
        })
        .sort();
    });
    return { there, differing };
  }

  for (const from of formats) {
    for (const to of formats) {
      if (from === to) continue;
      it(`${from} → ${to} → ${from}`, () => {
        fc.assert(
          fc.property(catalogue({ parents: from !== "rainbond" }), fc.boolean(), (regions, includeSecrets) => {
            const doc = docOf(from, regions);
            const { there, differing } = reconverted(from, to, doc, includeSecrets);
            expect(there.rejected).toEqual([]);
            const reported = regions.map((r) => {
              const loss = there.losses.find((l) => l.name === r.name);
              return [...(loss?.lost ?? []), ...(loss?.withheld ?? [])].sort();
            });
            expect(reported).toEqual(differing);
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  const east = {
    region_id: "0123456789abcdef0123456789abcdef",
    region_name: "rb-east",
    region_alias: "华东",
    url: "https://10.1.0.1:8443",
    token: "tok-secret",
    wsurl: "wss://10.1.0.1:6060",
    httpdomain: "apps.example.com",
    tcpdomain: "10.1.0.1",
    scope: "public",
    ssl_ca_cert: "CA",
    cert_file: "CERT",
    key_file: "KEY-secret",
    status: "1",
    desc: "east",
    enterprise_id: "ent-1",
  };

  it("Rainbond → Keystone: endpoints, certificates, secrets, status and ids are reported, and never written", () => {
    const result = convertDocument(parseDocument("rainbond", [east]), "keystone", { includeSecrets: false, baseUrl: base });
    expect(result.losses).toEqual([
      {
        name: "rb-east",
        lost: [
          "region_id",
          "url",
          "token",
          "wsurl",
          "httpdomain",
          "tcpdomain",
          "ssl_ca_cert",
          "cert_file",
          "key_file",
          "status",
          "enterprise_id",
        ],
        withheld: [],
      },
    ]);
    expect(result.document).toEqual({
      regions: [
        {
          id: "rb-east",
          description: "east",
          parent_region_id: null,
          type: "public",
          locales: { "zh-cn": "华东", "en-us": "rb-east" },
          links: { self: `${base}/v3/regions/rb-east` },
        },
      ],
      links: { self: `${base}/v3/regions`, previous: null, next: null },
    });
  });

  it("Keystone → Rainbond: parents, locales and extras are reported", () => {
    const doc = {
      regions: [
        { id: "cn", description: "", parent_region_id: null, links: { self: "x" } },
        {
          id: "cn-1",
          description: "zone",
          parent_region_id: "cn",
          type: "private",
          locales: { "zh-cn": "华北", "pt-br": "norte" },
          foo: "bar",
        },
      ],
    };
    const result = convertDocument(parseDocument("keystone", doc), "rainbond", withSecrets);
    expect(result.losses).toEqual([{ name: "cn-1", lost: ["foo", "parent_region_id", "locales"], withheld: [] }]);
    expect(result.document).toEqual([
      // what Keystone does not state is left out (importing this cannot erase endpoints)
      { region_name: "cn", token: null, scope: "public", key_file: null, desc: "" },
      { region_name: "cn-1", region_alias: "华北", token: null, scope: "private", key_file: null, desc: "zone" },
    ]);
  });

  it("Rainbond → Rainbond without secrets: token and key_file are withheld, not lost", () => {
    const result = convertDocument(parseDocument("rainbond", [east]), "rainbond", { includeSecrets: false, baseUrl: "" });
    expect(result.losses).toEqual([{ name: "rb-east", lost: [], withheld: ["token", "key_file"] }]);
    const { token, key_file, ...rest } = east;
    expect(result.document).toEqual([{ ...rest, token: undefined, key_file: undefined }].map((x) => json(x)));
  });
});

describe("reading documents", () => {
  it("Rainbond: a v1 array, a v2 page and a single object", () => {
    const item = {
      region_name: "a",
      region_alias: "A",
      url: "https://a.example.com",
      wsurl: "wss://a.example.com",
      httpdomain: "a",
      tcpdomain: "1.2.3.4",
    };
    for (const doc of [[item], { total: 1, data: [item] }, item]) {
      expect(parseDocument("rainbond", doc).records.map((r) => r.region.values.name)).toEqual(["a"]);
    }
  });

  it("Keystone: a list, a single body and an array; an id is required", () => {
    for (const doc of [{ regions: [{ id: "a" }] }, { region: { id: "a" } }, [{ id: "a" }]]) {
      expect(parseDocument("keystone", doc).records.map((r) => r.region.values.name)).toEqual(["a"]);
    }
    expect(parseDocument("keystone", { regions: [{ id: "", description: "x" }] }).rejected).toEqual([
      expect.objectContaining({ index: 0, reason: "id: is required in a document" }),
    ]);
  });

  it("a document of another format is refused as a whole, with what was expected", () => {
    const cases: [Format, unknown, string][] = [
      ["keystone", [{ region_name: "a" }], "looks like a rainbond document, not keystone"],
      ["rainbond", { regions: [] }, "looks like a keystone document, not rainbond"],
      ["canonical", [{ id: "a" }], "looks like a keystone document, not canonical"],
      ["rainbond", "just text", "not a rainbond document"],
      ["keystone", { hello: 1 }, "not a keystone document"],
    ];
    for (const [format, doc, message] of cases) {
      expect(() => parseDocument(format, doc)).toThrow(DocumentError);
      expect(() => parseDocument(format, doc)).toThrow(message);
    }
    expect(detectFormat([])).toBe("empty");
  });

  it("records that break the rules are rejected one by one, secrets redacted", () => {
    const parsed = parseDocument("rainbond", [
      {
        region_name: "ok",
        region_alias: "ok",
        url: "https://ok.example.com",
        wsurl: "wss://ok.example.com",
        httpdomain: "x",
        tcpdomain: "1.1.1.1",
      },
      {
        region_name: "bad",
        region_alias: "b",
        url: "not a url",
        wsurl: "wss://ok.example.com",
        httpdomain: "x",
        tcpdomain: "1.1.1.1",
        token: "SECRET",
      },
      { region_name: "blank", region_alias: "b", url: "", wsurl: "", httpdomain: "", tcpdomain: "", status: "1" },
      { region_name: "editing", region_alias: "e", url: "", wsurl: "", httpdomain: "", tcpdomain: "", status: "0" },
      42,
    ]);
    expect(parsed.records.map((r) => r.region.values.name)).toEqual(["ok", "editing"]);
    expect(parsed.rejected.map((r) => [r.index, r.name, r.reason])).toEqual([
      [1, "bad", "url: 集群API地址非法"],
      [2, "blank", "url: 该字段不能为空。; wsurl: 该字段不能为空。; httpdomain: 该字段不能为空。; tcpdomain: 该字段不能为空。"],
      [4, null, "a record must be a JSON object"],
    ]);
    expect(JSON.stringify(parsed.rejected)).not.toContain("SECRET");
  });

  it("Rainbond: missing endpoints, a null token and a missing enterprise_id are not stated (an import keeps them)", () => {
    const parsed = parseDocument("rainbond", [
      { region_name: "v1", region_alias: "V", url: "https://v.example.com", status: "1", desc: "", token: null, key_file: null },
    ]);
    expect([...(parsed.records[0]?.region.carried ?? [])].sort()).toEqual(["alias", "apiUrl", "description", "name", "status"]);
  });
});
