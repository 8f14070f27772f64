import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonBytes, jsonItems } from "../../src/http/cached-json.ts";

const decoder = new TextDecoder();
const stringified = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("jsonBytes: the UTF-8 of JSON.stringify, items made and written one at a time", () => {
  it("the same bytes as JSON.stringify of the array the items make, alone or as values of an object", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (source, others, key) => {
        const each = (v: unknown) => ({ v, n: [v] });
        const made = source.map(each);
        expect(jsonBytes(jsonItems(source, each))).toEqual(stringified(made));
        const answer = { ...others, [key]: jsonItems(source, each), after: 1 };
        const expected = { ...others, [key]: made, after: 1 };
        expect(decoder.decode(jsonBytes(answer))).toBe(JSON.stringify(expected));
        expect(jsonBytes(answer)).toEqual(stringified(expected));
      }),
    );
  });

  it("what JSON.stringify leaves out or writes as null: the same", () => {
    const source = [1, 2, 3, 4];
    const each = (n: number) => [undefined, () => 1, Symbol("s"), { a: undefined, b: new Date(0) }][n - 1];
    expect(decoder.decode(jsonBytes(jsonItems(source, each)))).toBe(JSON.stringify(source.map(each)));
    const answer = { a: undefined, f: () => 1, items: jsonItems(source, each), d: new Date(0) };
    expect(decoder.decode(jsonBytes(answer))).toBe(JSON.stringify({ ...answer, items: source.map(each) }));
  });

  it("text of any size and script, across the chunks it is written in", () => {
    const long = "区".repeat(25_000);
    const source = ["a", long, "😀".repeat(20_000), `x${long}`, "\u0000\ud800"];
    const each = (s: string) => ({ s });
    expect(jsonBytes(jsonItems(source, each))).toEqual(stringified(source.map(each)));
  });

  it("anything else is JSON.stringify encoded, and JSON.stringify sees the items as an array", () => {
    for (const v of [null, 1, "x", [1, { a: 2 }], { a: [1] }]) expect(jsonBytes(v)).toEqual(stringified(v));
    expect(JSON.stringify({ items: jsonItems([1, 2], (n) => n * 2) })).toBe('{"items":[2,4]}');
  });
});
