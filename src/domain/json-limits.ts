/**
 * The limits every JSON value a user sends is held to, checked once, right after JSON.parse and
 * before anything recursive (validation messages, JSON.stringify, comparisons) touches it: request
 * bodies of both dialects and the admin API, and every record of an imported document.
 *
 * - Nesting: at most `maxJsonDepth` levels. JSON.parse reads any depth, but JSON.stringify and
 *   every recursive walk overflow the stack a few thousand levels down (a 500). The walk here is
 *   iterative, so it is safe at any depth.
 * - Property names: `__proto__`, `constructor` and `prototype` are refused at any depth. JSON.parse
 *   makes them ordinary own keys, but the first assignment or library copy (zod's records copy by
 *   assignment) turns `__proto__` into the copy's prototype: validation then judges one object
 *   and the database stores another. No field of either dialect has such a name, and Keystone's
 *   extras and locales do not need them; refusing them is the one rule that no later copy can
 *   undo. Other names (`toString`, `valueOf`, …) are plain data: no code coerces a user's object.
 * - Numbers: a literal beyond the range of a double (`1e309`) parses as Infinity, which JSON
 *   cannot hold: stored, it would silently become `null` (or the text "Infinity"). Refused.
 */

/** How many levels of objects and arrays a JSON value a user sends may nest. */
export const maxJsonDepth = 64;

/** Property names refused at any depth (see above). */
export const refusedKeys: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export type JsonProblemKind = "depth" | "key" | "number";

export interface JsonProblem {
  kind: JsonProblemKind;
  /** where: object keys and array indexes from the checked value's root */
  path: (string | number)[];
  /** what, in English (each dialect words it its own way) */
  message: string;
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | null;
  key: string | number | null;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let f: Frame | null = frame; f !== null && f.key !== null; f = f.parent) path.push(f.key);
  return path.reverse();
}

export interface JsonCheckOptions {
  /** default `maxJsonDepth` */
  maxDepth?: number;
  /** check the nesting only */
  depthOnly?: boolean;
}

/** The first problem with a JSON value (depth-first, iterative), or null. */
export function jsonProblem(root: unknown, options: JsonCheckOptions = {}): JsonProblem | null {
  const maxDepth = options.maxDepth ?? maxJsonDepth;
  const stack: Frame[] = [{ value: root, depth: 0, parent: null, key: null }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value, depth } = frame;
    if (typeof value === "number" && !Number.isFinite(value) && !options.depthOnly) {
      return { kind: "number", path: pathOf(frame), message: "the number is out of range" };
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= maxDepth) {
      return { kind: "depth", path: pathOf(frame), message: `nested more than ${maxDepth} levels deep` };
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, v] = entries[i] as [string | number, unknown];
      stack.push({ value: v, depth: depth + 1, parent: frame, key });
    }
    if (!options.depthOnly && !Array.isArray(value)) {
      for (const [key] of entries) {
        if (refusedKeys.has(key as string)) {
          const path = [...pathOf(frame), key];
          return { kind: "key", path, message: `the property name "${String(key)}" is not allowed` };
        }
      }
    }
  }
  return null;
}

/** A problem's path as text: `region.locales[0]`, cut after a few steps (a deep path is long). */
export function pathText(path: readonly (string | number)[], maxSteps = 6): string {
  let out = "";
  for (const [i, step] of path.entries()) {
    if (i === maxSteps) return `${out}…`;
    out += typeof step === "number" ? `[${step}]` : out === "" ? step : `.${step}`;
  }
  return out;
}

/** What stands in, in a copy for a report, for a value nested deeper than it may be. */
export const tooDeepMarker = "[nested too deep]";

/**
 * A copy of a JSON value that can be shown (serialised) whatever it holds: containers nested more
 * than `maxDepth` levels are replaced by a marker. Keys are copied as data (`__proto__` included).
 */
export function boundedCopy(root: unknown, maxDepth = maxJsonDepth): unknown {
  const holder: { value?: unknown } = {};
  const stack: { value: unknown; depth: number; into: Record<string | number, unknown>; key: string | number }[] = [
    { value: root, depth: 0, into: holder, key: "value" },
  ];
  while (stack.length > 0) {
    const { value, depth, into, key } = stack.pop() as (typeof stack)[number];
    let copy: unknown = value;
    if (typeof value === "object" && value !== null) {
      if (depth >= maxDepth) {
        copy = tooDeepMarker;
      } else {
        const container = (Array.isArray(value) ? [] : {}) as Record<string | number, unknown>;
        const entries = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
        // pushed last to first: popped (and so defined) in the original order
        for (let i = entries.length - 1; i >= 0; i--) {
          const [k, v] = entries[i] as [string | number, unknown];
          stack.push({ value: v, depth: depth + 1, into: container, key: k });
        }
        copy = container;
      }
    }
    Object.defineProperty(into, key, { value: copy, enumerable: true, writable: true, configurable: true });
  }
  return holder.value;
}
