import { toKeystoneRegion } from "../adapters/keystone.ts";
import { GatewayError } from "../domain/errors.ts";
import type { Region, RegionChanges, RegionInput } from "../domain/region.ts";
import { type Field, fields, inputOf, type ParsedDocument, type Rejection, redact, sameJson } from "./document.ts";
import { checkCanonical, reasonOf } from "./parse.ts";
import { renderRecord } from "./render.ts";

export const importModes = ["upsert", "create-only"] as const;
export type ImportMode = (typeof importModes)[number];

export interface PlannedUpdate {
  name: string;
  /** the region as the plan found it */
  before: Region;
  changes: RegionChanges;
  /** the canonical fields that change */
  fields: Field[];
}

/** What an import would do against a given catalogue. Nothing may be written unless `rejected` is empty. */
export interface ImportPlan {
  /** parents before children */
  creates: RegionInput[];
  updates: PlannedUpdate[];
  unchanged: string[];
  rejected: Rejection[];
}

type Record_ = ParsedDocument["records"][number];
const allFields = new Set<Field>(fields);

function reject(r: Record_, reason: string): Rejection {
  return { index: r.index, name: r.region.values.name, reason, record: redact(r.raw) };
}

/**
 * Problems of the document on its own, whatever the catalogue holds: a name or uid given twice
 * (every repeat is rejected) and parent links that loop among the document's records.
 */
export function checkDocument(parsed: ParsedDocument): Rejection[] {
  const rejected: Rejection[] = [];
  const firstName = new Map<string, number>();
  const firstUid = new Map<string, number>();
  for (const r of parsed.records) {
    const { name, uid } = r.region.values;
    const seen = firstName.get(name);
    if (seen !== undefined) {
      rejected.push(reject(r, `duplicate name ${name} in the document (record ${seen} has it too)`));
      continue;
    }
    firstName.set(name, r.index);
    if (r.region.carried.has("uid")) {
      const uidSeen = firstUid.get(uid);
      if (uidSeen !== undefined) {
        rejected.push(reject(r, `duplicate uid ${uid} in the document (record ${uidSeen} has it too)`));
        continue;
      }
      firstUid.set(uid, r.index);
    }
  }
  const bad = new Set(rejected.map((x) => x.index));
  const parents = new Map<string, string | null>();
  for (const r of parsed.records) {
    if (!bad.has(r.index) && r.region.carried.has("parentName")) parents.set(r.region.values.name, r.region.values.parentName);
  }
  const loops = findLoops(parents, parents.keys());
  for (const r of parsed.records) {
    const loop = loops.get(r.region.values.name);
    if (loop && !bad.has(r.index)) rejected.push(reject(r, `parent chain loops: ${loop.join(" → ")}`));
  }
  return rejected;
}

export interface PlanOptions {
  mode: ImportMode;
  newUid: () => string;
}

/** Plans an import of `parsed` against the regions `existing` (pure: the caller applies it). */
export function planImport(parsed: ParsedDocument, existing: readonly Region[], o: PlanOptions): ImportPlan {
  const byName = new Map(existing.map((r) => [r.name, r]));
  const byUid = new Map(existing.map((r) => [r.uid, r]));
  const rejected: Rejection[] = [...parsed.rejected, ...checkDocument(parsed)];
  const refused = new Set(rejected.map((x) => x.index));
  const full = { includeSecrets: true, baseUrl: "" };

  interface Step {
    r: Record_;
    final: RegionInput;
    current: Region | undefined;
  }
  const steps: Step[] = [];
  for (const r of parsed.records) {
    if (refused.has(r.index)) continue;
    const { values, carried } = r.region;
    const current = byName.get(values.name);
    let final: RegionInput;
    if (current) {
      if (carried.has("uid") && values.uid !== current.uid) {
        rejected.push(
          reject(r, `uid ${values.uid} differs from the catalogue's ${current.uid} for ${values.name} (uids never change)`),
        );
        continue;
      }
      final = inputOf(current);
      for (const f of carried) (final as unknown as Record<string, unknown>)[f] = values[f];
      if (parsed.format === "keystone" && sameJson(values.locales, toKeystoneRegion(current, "").locales)) {
        // locales that only spell out what /v3 already shows (the zh-cn / en-us fallbacks) change nothing
        final.locales = current.locales;
        final.alias = current.alias;
      }
    } else {
      final = { ...values, uid: carried.has("uid") ? values.uid : o.newUid() };
      const owner = byUid.get(final.uid);
      if (owner) {
        rejected.push(reject(r, `uid ${final.uid} already belongs to region ${owner.name}`));
        continue;
      }
    }
    // A new region is the record's values as parsing checked them, with a generated uid (or its
    // own, checked): nothing to check again. An update mixes the record's fields with the stored
    // region's, which may predate a rule.
    if (current) {
      try {
        checkCanonical(final);
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        rejected.push(reject(r, reasonOf(e)));
        continue;
      }
    }
    steps.push({ r, final, current });
  }

  // parents: every one must exist in the catalogue or come with the document
  let accepted = new Map(steps.map((s) => [s.final.name, s]));
  const docNames = new Set(parsed.records.map((r) => r.region.values.name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of accepted.values()) {
      const p = s.final.parentName;
      if (p === null || byName.has(p) || accepted.has(p)) continue;
      const why = docNames.has(p)
        ? `parent region ${p} is rejected`
        : `parent region ${p} does not exist in the catalogue or the document`;
      rejected.push(reject(s.r, why));
      accepted.delete(s.final.name);
      changed = true;
    }
  }

  // loops in the hierarchy the catalogue would have afterwards
  const parents = new Map<string, string | null>(existing.map((r) => [r.name, r.parentName]));
  for (const s of accepted.values()) parents.set(s.final.name, s.final.parentName);
  const loops = findLoops(parents, accepted.keys());
  for (const [name, loop] of loops) {
    const s = accepted.get(name);
    if (!s) continue;
    rejected.push(reject(s.r, `parent chain loops: ${loop.join(" → ")}`));
  }
  accepted = new Map([...accepted].filter(([name]) => !loops.has(name)));

  const plan: ImportPlan = { creates: [], updates: [], unchanged: [], rejected: rejected.sort((a, b) => a.index - b.index) };
  const creates: RegionInput[] = [];
  for (const s of accepted.values()) {
    if (!s.current) {
      creates.push(s.final);
      continue;
    }
    const format = parsed.format;
    const before = renderRecord(format, { values: inputOf(s.current), carried: allFields }, full);
    const after = renderRecord(format, { values: s.final, carried: allFields }, full);
    // unchanged when the document's own view of the region is: e.g. Keystone locales that only
    // spell out the zh-cn / en-us fallbacks do not rewrite the stored ones
    const changed = fields.filter((f) => !sameJson(s.final[f], (s.current as Region)[f]));
    if (changed.length === 0 || sameJson(before, after)) {
      plan.unchanged.push(s.final.name);
      continue;
    }
    if (o.mode === "create-only") {
      plan.rejected.push(reject(s.r, `region exists and differs (${changed.join(", ")}); mode create-only does not update`));
      continue;
    }
    const changes: Record<string, unknown> = {};
    for (const f of changed) changes[f] = s.final[f];
    plan.updates.push({ name: s.final.name, before: s.current, changes: changes as RegionChanges, fields: changed });
  }
  plan.rejected.sort((a, b) => a.index - b.index);
  plan.creates = parentsFirst(creates);
  return plan;
}

/** Orders new regions so that a parent created by the same import comes before its children. */
function parentsFirst(creates: RegionInput[]): RegionInput[] {
  const byName = new Map(creates.map((c) => [c.name, c]));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    // iterative walk: chains may be thousands deep
    const chain: string[] = [];
    let at: string | null = name;
    while (at !== null && byName.has(at) && !depth.has(at) && chain.length <= byName.size) {
      chain.push(at);
      at = byName.get(at)?.parentName ?? null;
    }
    let d = at !== null && depth.has(at) ? (depth.get(at) as number) + 1 : 0;
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i] as string, d++);
    return depth.get(name) as number;
  };
  return creates
    .map((c, i) => ({ c, i, d: depthOf(c.name) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.c);
}

/**
 * The names among `start` whose parent chain comes back to them, each with its loop
 * (`a → b → a`). Names outside `parents` end a chain.
 */
export function findLoops(parents: ReadonlyMap<string, string | null>, start: Iterable<string>): Map<string, string[]> {
  const state = new Map<string, 1 | 2>(); // 1: on the current walk, 2: finished
  const loops = new Map<string, string[]>();
  for (const s of start) {
    if (state.has(s)) continue;
    const path: string[] = [];
    let at: string | null | undefined = s;
    while (at !== null && at !== undefined && parents.has(at) && !state.has(at)) {
      state.set(at, 1);
      path.push(at);
      at = parents.get(at);
    }
    if (at !== null && at !== undefined && state.get(at) === 1) {
      const loop = path.slice(path.indexOf(at));
      // each member's loop starts at itself: "b → a → b" for b
      loop.forEach((n, i) => {
        loops.set(n, [...loop.slice(i), ...loop.slice(0, i), n]);
      });
    }
    for (const n of path) state.set(n, 2);
  }
  return loops;
}
