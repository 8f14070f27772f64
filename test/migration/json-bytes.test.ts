import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonBytes, parseJsonText } from "../../src/migration/parse.ts";

/** What the import read before it parsed bytes: the decoded text through parseJsonText (its value, or its error's message). */
function viaText(bytes: Buffer): { value?: unknown; error?: string } {
  const text = bytes.toString("utf8");
  try {
    if (text.trim() === "") throw new Error("the document is empty");
    return { value: parseJsonText(text) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function viaBytes(bytes: Buffer): { value?: unknown; error?: string } {
  try {
    return { value: parseJsonBytes(bytes) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const space = fc.constantFrom("", " ", "\n", "\t", "\r\n  ");
/** JSON text of an array of values, with whitespace anywhere JSON allows it. */
const arrayText = fc
  .tuple(fc.array(fc.tuple(space, fc.jsonValue(), space), { maxLength: 6 }), space, space)
  .map(([items, before, after]) => `${before}[${items.map(([a, v, b]) => `${a}${JSON.stringify(v)}${b}`).join(",")}]${after}`);

/** Pieces that the element scanner must not be fooled by: quotes, escapes, brackets in strings, commas. */
const tricky = fc.constantFrom(
  "[",
  "]",
  "{",
  "}",
  ",",
  '"',
  "\\",
  '\\"',
  "\\\\",
  '"a]b"',
  '"x\\"],["',
  ":",
  " ",
  "1",
  "null",
  "区",
  "\uFEFF",
);

describe("parseJsonBytes: the document's value from its bytes, exactly as from its text", () => {
  it("arrays of any JSON values, with any whitespace, a byte order mark or not", () => {
    fc.assert(
      fc.property(arrayText, fc.boolean(), (text, bom) => {
        const bytes = Buffer.from(bom ? `\uFEFF${text}` : text, "utf8");
        expect(viaBytes(bytes)).toEqual(viaText(bytes));
        expect(viaBytes(bytes).value).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("broken and unusual documents: the same value or the same error message", () => {
    fc.assert(
      fc.property(fc.array(tricky, { maxLength: 14 }), (pieces) => {
        const bytes = Buffer.from(pieces.join(""), "utf8");
        expect(viaBytes(bytes)).toEqual(viaText(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("a valid array with bytes spliced in (invalid UTF-8 included): the same value or error", () => {
    fc.assert(
      fc.property(arrayText, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }), (text, at, spliced) => {
        const base = Buffer.from(text, "utf8");
        const i = at % (base.length + 1);
        const bytes = Buffer.concat([base.subarray(0, i), Buffer.from(spliced), base.subarray(i)]);
        expect(viaBytes(bytes)).toEqual(viaText(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it("named cases", () => {
    for (const text of [
      "[]",
      " [ ] ",
      "[1,]",
      "[,1]",
      "[1,,2]",
      "[1 2]",
      "[1] 2",
      "[1]]",
      "[[1}, 2]",
      '[{"a":"],[{"}]',
      '["\\\\"]',
      '["\\\\\\"]"]',
      "[",
      "",
      "  \n",
      "\uFEFF",
      '{"regions":[]}',
      "null",
      '[{"__proto__":1}]',
      "[1e400]",
    ]) {
      const bytes = Buffer.from(text, "utf8");
      expect(viaBytes(bytes), text).toEqual(viaText(bytes));
    }
  });
});
