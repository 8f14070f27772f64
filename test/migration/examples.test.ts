import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertDocument } from "../../src/migration/convert.ts";
import { parseDocument } from "../../src/migration/parse.ts";
import { documentExample } from "../cli/cli-support.ts";
import { backends } from "../support/backends.ts";
import { adminToken, clients, openTestApp, type TestApp } from "../support/test-app.ts";

// test/fixtures/* are verbatim copies of the Rainbond console and Huawei IAM API documents
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

/** The Huawei document's sample response (plain text, not fenced): the first balanced JSON object after the heading. */
function huaweiSample(): unknown {
  const text = fixture("huawei-iam-004-list-regions.txt");
  const start = text.indexOf("{", text.indexOf("Sample response (successful response)"));
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return JSON.parse(text.slice(start, i + 1));
  }
  throw new Error("no sample response in 004");
}

const rainbondExamples: Record<string, Record<string, unknown>> = {
  "000 RegionInfoResp (v1 list item)": documentExample(fixture("rainbond-000-list-regions.txt"), "### RegionInfoResp"),
  "002 add body (Body请求参数)": documentExample(fixture("rainbond-002-add-region-v2.txt"), "Body请求参数"),
  "002 v2_RegionInfoSerializer": documentExample(fixture("rainbond-002-add-region-v2.txt"), "### v2_RegionInfoSerializer"),
  "003 update body (Body请求参数), with the region_name it is addressed by": {
    region_name: "string",
    ...documentExample(fixture("rainbond-003-update-region.txt"), "Body请求参数"),
  },
};

/**
 * The documents fill every field with the placeholder "string" (status "st"). The console's own
 * validators refuse those in url, wsurl, tcpdomain, scope and status; everything else is taken as is.
 */
const realistic = (example: Record<string, unknown>) => ({
  ...example,
  url: "https://region.example.com:8443",
  wsurl: "wss://region.example.com:6060",
  tcpdomain: "10.0.0.1",
  ...(example.scope === "string" ? { scope: "private" } : {}),
  ...(example.status === "st" ? { status: "1" } : {}),
});

describe("the source documents' example payloads", () => {
  for (const [name, example] of Object.entries(rainbondExamples)) {
    it(`${name}: verbatim, refused for exactly the console's placeholder problems`, () => {
      const parsed = parseDocument("rainbond", [example]);
      const reasons = parsed.rejected[0]?.reason.split("; ").map((r) => r.split(":")[0]);
      const placeholders = [...(example.scope === "string" ? ["scope"] : []), ...(example.status === "st" ? ["status"] : [])];
      expect(reasons).toEqual(["url", "wsurl", "tcpdomain", ...placeholders]);
    });

    it(`${name}: with real endpoints, converts to every format and back`, () => {
      const parsed = parseDocument("rainbond", [realistic(example)]);
      expect(parsed.rejected).toEqual([]);
      for (const to of ["keystone", "canonical", "rainbond"] as const) {
        const out = convertDocument(parsed, to, { includeSecrets: true, baseUrl: "" });
        expect(out.rejected).toEqual([]);
        const back = convertDocument(parseDocument(to, JSON.parse(JSON.stringify(out.document))), "rainbond", {
          includeSecrets: true,
          baseUrl: "",
        });
        const item = (back.document as Record<string, unknown>[])[0] as Record<string, unknown>;
        expect(item.region_name).toBe("string");
        expect(item.desc).toBe(example.desc ?? "");
      }
    });
  }

  it("004 Huawei sample response: verbatim, converts to Rainbond and canonical", () => {
    const parsed = parseDocument("keystone", huaweiSample());
    expect(parsed.rejected).toEqual([]);
    expect(parsed.records.map((r) => [r.region.values.name, r.region.values.alias, r.region.values.scope])).toEqual([
      ["1500365963661574434", "region_name2", "private"],
      ["500017826026667755", "region_name2", "private"],
      ["test2", "region_name2", "public"],
      ["test1112244", "testregion1", "public"], // no type: public, as Keystone shows every region
    ]);
    const rb = convertDocument(parsed, "rainbond", { includeSecrets: false, baseUrl: "" });
    // Rainbond has one display name: the sample's English names (en-us, no zh-cn) become the
    // alias, which /v3 then shows as zh-cn, while en-us falls back to the id: reported as lost
    expect(rb.losses).toEqual(parsed.records.map((r) => ({ name: r.region.values.name, lost: ["locales"], withheld: [] })));
  });
});

for (const backend of backends) {
  describe.skipIf(!backend.available)(`the examples import and read back (${backend.name})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(backend);
    });
    afterAll(() => t?.close());
    const post = async (format: string, doc: unknown) => {
      const res = await t.app.request(`http://gw.test/admin/v1/import?format=${format}`, {
        method: "POST",
        body: JSON.stringify(doc),
        headers: { "X-Auth-Token": adminToken },
      });
      return { status: res.status, body: (await res.json()) as { created: string[]; rejected: unknown[] } };
    };

    it("004 Huawei sample: imports as is; /v3 shows it as the document does", async () => {
      const r = await post("keystone", huaweiSample());
      expect(r).toMatchObject({
        status: 200,
        body: { created: ["1500365963661574434", "500017826026667755", "test2", "test1112244"] },
      });
      const list = (await (await clients(t.app).keystone("GET", "/v3/regions")).json()) as { regions: unknown[] };
      expect(list.regions).toContainEqual({
        parent_region_id: null,
        description: "",
        links: { self: "http://gw.test/v3/regions/test2" },
        type: "public",
        id: "test2",
        locales: { "en-us": "region_name2", "zh-cn": "region_name2" },
      });
    });

    it("the Rainbond examples (with real endpoints) import one at a time; the same region, rewritten by each", async () => {
      for (const example of Object.values(rainbondExamples)) {
        const r = await post("rainbond", [realistic(example)]);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      const show = (await (await clients(t.app).rainbond("GET", "/openapi/v1/regions/string")).json()) as Record<string, unknown>;
      expect(show).toMatchObject({
        region_name: "string",
        region_alias: "string",
        url: "https://region.example.com:8443",
        httpdomain: "string",
        desc: "string",
      });
    });
  });
}
