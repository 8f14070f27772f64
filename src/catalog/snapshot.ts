import type { Region } from "../domain/region.ts";

/**
 * The memo's bounds per snapshot: 32 MiB and 1,024 answers in all, and no single answer over
 * 4 MiB (a list of thousands of regions with their certificates is tens of MiB: kept, it would
 * double the memory the catalogue itself takes; rendered per request, it costs what sending it does).
 */
const memoBudget = 32 * 1024 * 1024;
const memoEntries = 1024;
const memoMaxEntry = 4 * 1024 * 1024;

/**
 * The in-memory, read-only view of the catalogue that serves every read. Replaced or
 * patched only after a write commits, so a reader never sees an uncommitted region.
 */
export class Snapshot {
  private byName = new Map<string, Region>();
  private byUid = new Map<string, Region>();
  private ordered: Region[] | null = null;
  /** rendered answers for this version of the catalogue (see Catalog.memo) */
  readonly rendered = new Map<string, Uint8Array>();
  renderedBytes = 0;

  constructor(
    public version: number,
    regions: Iterable<Region> = [],
  ) {
    for (const r of regions) this.put(r);
  }

  /**
   * A rendered answer for this version, computed once (see Catalog.memo). Keys come from
   * requests: they count against the budget, and so does their number.
   */
  memo(key: string, render: () => Uint8Array): Uint8Array {
    const hit = this.rendered.get(key);
    if (hit !== undefined) return hit;
    const value = render();
    const cost = value.length + key.length * 2;
    if (cost > memoMaxEntry) return value;
    if (this.renderedBytes + cost > memoBudget || this.rendered.size >= memoEntries) {
      this.rendered.clear();
      this.renderedBytes = 0;
    }
    this.rendered.set(key, value);
    this.renderedBytes += cost;
    return value;
  }

  list(): readonly Region[] {
    this.ordered ??= [...this.byName.values()];
    return this.ordered;
  }

  get(name: string): Region | undefined {
    return this.byName.get(name);
  }

  getByUid(uid: string): Region | undefined {
    return this.byUid.get(uid);
  }

  /**
   * The next snapshot, at `version`: this one with `changed` applied (a region by name, or null
   * for a deleted one), in catalogue order as a whole load gives it (creation time: a region
   * updated stays where it was, a new one goes where its creation puts it, after those created
   * before it). This one is left as it is: readers holding it keep a consistent view.
   */
  withChanges(version: number, changed: ReadonlyMap<string, Region | null>): Snapshot {
    const added: Region[] = [];
    for (const [name, next] of changed) if (next && this.byName.get(name)?.uid !== next.uid) added.push(next);
    if (this.endsBefore(added, changed)) {
      // the usual case (updates, deletions, regions created since): the maps copied whole (much
      // cheaper than building them again), then patched; what is added goes last, as it sorts
      const next = new Snapshot(version);
      next.byName = new Map(this.byName);
      next.byUid = new Map(this.byUid);
      for (const [name, region] of changed) if (region === null || region.uid !== this.byName.get(name)?.uid) next.remove(name);
      for (const region of changed.values()) if (region !== null) next.put(region);
      return next;
    }
    const kept: Region[] = [];
    for (const r of this.list()) {
      if (!changed.has(r.name)) kept.push(r);
      else {
        // the same region (its uid) stays in place; deleted, or created again under its name: placed anew
        const next = changed.get(r.name);
        if (next && next.uid === r.uid) kept.push(next);
      }
    }
    // by creation time; a stable sort keeps the given order of those created together
    added.sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0));
    return new Snapshot(version, mergeByCreation(kept, added));
  }

  /**
   * Whether `added` (in catalogue order) comes after every region this snapshot keeps once
   * `changed` is applied: then appending it keeps the catalogue order.
   */
  private endsBefore(added: Region[], changed: ReadonlyMap<string, Region | null>): boolean {
    const first = added[0];
    if (first === undefined) return true;
    for (let i = 1; i < added.length; i++) if ((added[i] as Region).createdAt < (added[i - 1] as Region).createdAt) return false;
    const list = this.list();
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i] as Region;
      const next = changed.get(r.name);
      // removed, or created again (it goes with `added`): not kept
      if (next === null || (next !== undefined && next.uid !== r.uid)) continue;
      return r.createdAt <= first.createdAt;
    }
    return true;
  }

  put(region: Region): void {
    const old = this.byName.get(region.name);
    if (old) this.byUid.delete(old.uid);
    this.byName.set(region.name, region);
    this.byUid.set(region.uid, region);
    this.ordered = null;
  }

  remove(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    this.byUid.delete(old.uid);
    this.ordered = null;
  }
}

/**
 * `kept` then `added` (each in catalogue order) merged by creation time, `kept` first on a tie:
 * a new region almost always comes last, and the merge is then the concatenation.
 */
function mergeByCreation(kept: Region[], added: Region[]): Region[] {
  if (added.length === 0) return kept;
  const lastKept = kept[kept.length - 1];
  if (lastKept === undefined || lastKept.createdAt <= (added[0] as Region).createdAt) return kept.concat(added);
  const out: Region[] = [];
  let i = 0;
  let j = 0;
  while (i < kept.length && j < added.length) {
    const k = kept[i] as Region;
    const a = added[j] as Region;
    if (k.createdAt <= a.createdAt) {
      out.push(k);
      i++;
    } else {
      out.push(a);
      j++;
    }
  }
  for (; i < kept.length; i++) out.push(kept[i] as Region);
  for (; j < added.length; j++) out.push(added[j] as Region);
  return out;
}
