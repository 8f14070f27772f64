import { describe, expect, it } from "vitest";
import { boundedCopy, jsonProblem, maxJsonDepth, pathText, tooDeepMarker } from "../../src/domain/json-limits.ts";
import { checkRegionInput, newRegionInput } from "../../src/domain/region.ts";

const nest = (levels: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};

describe("jsonProblem", () => {
  it("allows exactly maxJsonDepth levels, refuses one more, and names where", () => {
    expect(jsonProblem({ a: nest(maxJsonDepth - 1) })).toBeNull();
    const problem = jsonProblem({ a: nest(maxJsonDepth) });
    expect(problem?.kind).toBe("depth");
    expect(problem?.path.slice(0, 3)).toEqual(["a", 0, 0]);
    expect(pathText(problem?.path ?? [])).toBe("a[0][0][0][0][0]…");
  });

  it("walks a value nested a million levels without overflowing the stack", () => {
    const text = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    expect(jsonProblem(JSON.parse(text))?.kind).toBe("depth");
  });

  it("refuses __proto__, constructor and prototype as keys at any depth; other names are data", () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const problem = jsonProblem(JSON.parse(`{"region":{"x":[{"${key}":1}]}}`));
      expect(problem).toMatchObject({ kind: "key", path: ["region", "x", 0, key] });
      expect(problem?.message).toBe(`the property name "${key}" is not allowed`);
    }
    expect(jsonProblem(JSON.parse('{"toString":1,"valueOf":{"hasOwnProperty":[]},"__proto":1}'))).toBeNull();
  });
});

describe("boundedCopy", () => {
  it("copies a shallow value as it is, keys (even __proto__) as data, in order", () => {
    const value = JSON.parse('{"b":1,"__proto__":{"x":[1,2,{"y":null}]},"a":"s"}');
    const copy = boundedCopy(value);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it("cuts what is nested too deep", () => {
    expect(boundedCopy({ a: [[1]], b: 2 }, 2)).toEqual({ a: [tooDeepMarker], b: 2 });
  });
});

describe("checkRegionInput judges the object it is given, not a copy", () => {
  // zod's records copy by assignment: an own "__proto__" key became the copy's prototype and
  // escaped every check, while the original went to the database (issue 7, item 2)
  const base = newRegionInput("r", "u");
  it("an own __proto__ key holding what cannot be stored is refused, in extra and in locales", () => {
    expect(() => checkRegionInput({ ...base, extra: JSON.parse('{"__proto__":"a\\u0000b"}') })).toThrow(/NUL/);
    expect(() => checkRegionInput({ ...base, extra: JSON.parse('{"__proto__":{"x":"\\ud800"}}') })).toThrow(/surrogate/);
    expect(() => checkRegionInput({ ...base, locales: JSON.parse('{"__proto__":"a\\u0000"}') })).toThrow(/NUL/);
    expect(() => checkRegionInput({ ...base, locales: JSON.parse('{"__proto__":1}') })).toThrow(/locales/);
    const deep = JSON.parse(`${'{"__proto__":'.repeat(40)}1${"}".repeat(40)}`);
    expect(() => checkRegionInput({ ...base, extra: deep })).toThrow(/32 levels/);
  });
});
