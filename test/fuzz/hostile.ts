import fc from "fast-check";

/**
 * Generators for the fuzz suite: hostile JSON values, mutations of a valid body, and the body's
 * serialisation (with raw JSON no JavaScript value can stand for, and invalid UTF-8).
 */

/** JSON text no JavaScript value serialises to (`1e309`, nesting too deep for JSON.stringify). */
export class RawJson {
  constructor(readonly text: string) {}
  /** how fast-check shows it in a counterexample: a deep value is thousands of characters */
  [fc.toStringMethod](): string {
    return this.text.length > 40 ? `RawJson(${this.text.slice(0, 20)}… ${this.text.length} characters)` : `RawJson(${this.text})`;
  }
}

/** An object holding `key` as an own property, whatever its name (`__proto__` included). */
export function objectWith(key: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  Object.defineProperty(base, key, { value, enumerable: true, writable: true, configurable: true });
  return base;
}

const nest = (levels: number, leaf: unknown, asObject: boolean): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = asObject ? { k: v } : [v];
  return v;
};

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Strings: edge cases by name, and arbitrary UTF-16 (lone surrogates and control characters included). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "  padded ",
    "a\u0000b",
    "\u0000",
    "\ud800",
    "x\udc00",
    "\udbff\udfff", // a valid pair
    "\ud83d\ude00x\ud83d", // a pair, then half of one
    "\u202eevil\u202c", // right-to-left override
    "مرحبا بالعالم", // right-to-left text
    "e\u0301\u0301\u0301", // combining marks
    "Z\u0364\u0313a\u0336l\u0335g\u0334o",
    "\ufeffbom",
    "\ufffd",
    "c1\u0085x",
    "tab\tnew\nline",
    "a/b",
    ".",
    "..",
    "%00",
    "\\",
    '"',
    "x".repeat(300),
    "华".repeat(256),
    "1e309",
    "Infinity",
    "NaN",
    "__proto__",
    "constructor",
    "toString",
    "0",
    "9",
    "public",
    "private",
    "https://evil.example.com",
    "0.0.0.0",
  ),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  // ordinary text with one edge character in it: gets past type checks, reaches storage
  fc
    .tuple(
      fc.constantFrom("ok", "region-1", "华东", "https://10.0.0.1:8443"),
      fc.constantFrom("\u0000", "\ud800", "\udfff", "\u202e", "\u0301", "\u0085", "\ufeff", "\u200b", "/"),
      fc.boolean(),
    )
    .map(([text, edge, before]) => (before ? edge + text : text + edge)),
);

/** Numbers: out of range (raw), at the edges of a double, and ordinary ones. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      new RawJson("1e309"),
      new RawJson("-1e309"),
      new RawJson("1e-400"),
      new RawJson("-0"),
      new RawJson("123456789012345678901234567890"),
      new RawJson("0.1e1"),
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.MAX_SAFE_INTEGER + 2,
      0,
      1,
      -1,
      3,
      0.5,
    ),
  },
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const specialKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty");

/** A leaf: string, number, boolean or null. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  fc.boolean(),
  fc.constant(null),
);

/** Nesting near each limit (32 for extras, 64 for any body) and far beyond (raw: JSON.stringify would overflow). */
const deep: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.integer({ min: 28, max: 70 }), leaf, fc.boolean()).map(([n, l, o]) => nest(n, l, o)),
  fc
    .tuple(fc.constantFrom(5_000, 60_000), fc.boolean())
    .map(([n, o]) => new RawJson(o ? `${'{"k":'.repeat(n)}1${"}".repeat(n)}` : `${"[".repeat(n)}${"]".repeat(n)}`)),
  fc
    .tuple(specialKey, fc.integer({ min: 2, max: 45 }))
    .map(([key, n]) => new RawJson(`${`{"${key}":`.repeat(n)}1${"}".repeat(n)}`)),
);

/** Any hostile value: a leaf, a wrong-typed container, an object with a special key, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    leaf,
    deep,
    fc.tuple(specialKey, tie("value")).map(([k, v]) => objectWith(k, v)),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(hostileString, tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** One change to a valid body: replace, add or delete a member somewhere in it, or replace it whole. */
export interface Mutation {
  op: "replace" | "add" | "delete" | "root";
  /** picks a child at each level (modulo the number of children); the walk stops at a leaf */
  path: number[];
  key: string;
  value: unknown;
}

const mutationOne: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("replace", "replace", "replace", "add", "add", "add", "delete", "root"),
  path: fc.array(fc.nat(), { maxLength: 5 }),
  // an added key: often one with a meaning in JavaScript, else any name (an extra property in Keystone)
  key: fc.oneof({ weight: 2, arbitrary: specialKey }, hostileString),
  // often a plain leaf (it gets further than a wrong-typed container), else anything
  value: fc.oneof(leaf, hostileValue),
});

/** Mostly one change (so that it reaches deep into the route), sometimes a few. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.oneof(
  { weight: 3, arbitrary: fc.array(mutationOne, { minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.array(mutationOne, { minLength: 2, maxLength: 3 }) },
);

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === "object" && v !== null;

/** A deep copy that keeps RawJson parts and own `__proto__` keys (generated values are never changed in place). */
function copy(v: unknown): unknown {
  if (v instanceof RawJson || !isContainer(v)) return v;
  if (Array.isArray(v)) return v.map(copy);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) objectWith(k, copy(x), out);
  return out;
}

/** Applies mutations to a copy of `base`. */
export function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  let root = copy(base);
  for (const m of mutations) {
    if (m.op === "root" || !isContainer(root) || root instanceof RawJson) {
      root = copy(m.value);
      continue;
    }
    // walk down while the next step lands on a container
    let parent: Record<string, unknown> | unknown[] = root;
    for (const step of m.path) {
      const keys = Object.keys(parent);
      if (keys.length === 0) break;
      const child = (parent as Record<string, unknown>)[keys[step % keys.length] as string];
      if (!isContainer(child) || child instanceof RawJson) break;
      parent = child;
    }
    const keys = Object.keys(parent);
    const target = keys[(m.path.at(-1) ?? 0) % Math.max(keys.length, 1)];
    if (Array.isArray(parent)) {
      const i = Number(target ?? 0);
      if (m.op === "delete") parent.splice(i, 1);
      else if (m.op === "add") parent.push(copy(m.value));
      else parent[i] = copy(m.value);
    } else if (m.op === "delete") {
      if (target !== undefined) delete parent[target];
    } else {
      objectWith(m.op === "add" || target === undefined ? m.key : target, copy(m.value), parent);
    }
  }
  return root;
}

/** The JSON text of a value that may hold RawJson parts. */
export function serialise(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return v;
  });
  // a RawJson at the root, or no body at all (undefined serialises to nothing)
  if (text === undefined) return "";
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)] as string);
}

/** Byte sequences that are not UTF-8: a lone continuation byte, 0xFF, an overlong NUL, an encoded surrogate, a cut sequence. */
const badBytes = fc.constantFrom([0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe4, 0xb8], [0xf4, 0x90, 0x80, 0x80]);

/** How a body is sent: as its UTF-8 text, cut short, or with bytes that are not UTF-8 spliced in. */
export interface Wire {
  kind: "as-is" | "truncated" | "invalid-utf8";
  at: number;
  bytes: readonly number[];
}

export const wire: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Wire>({ kind: "as-is", at: 0, bytes: [] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncated" as const), at: fc.nat(), bytes: fc.constant([]) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("invalid-utf8" as const), at: fc.nat(), bytes: badBytes }) },
);

export function encode(text: string, w: Wire): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (w.kind === "as-is" || bytes.length === 0) return bytes;
  const at = w.at % bytes.length;
  if (w.kind === "truncated") return bytes.subarray(0, at);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(w.bytes), bytes.subarray(at)]);
}

/** A path or query value: ordinary, hostile (percent-encoded), or raw bytes that are not UTF-8. */
export const hostileUrlValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80"; // a lone surrogate, as its (invalid) UTF-8 bytes
    }
  }),
  fc.constantFrom("%00", "a%00b", "%ED%A0%80", "%FF", "%C0%80", "%", "%zz", "1e309", `1${"0".repeat(400)}`, "-1", "0"),
  fc
    .array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 })
    .map((b) => b.map((x) => `%${x.toString(16).padStart(2, "0").toUpperCase()}`).join("")),
);
