import type { Region } from "../domain/region.ts";

/**
 * The memo's bounds per snapshot: 32 MiB and 1,024 answers in all, and no single answer over
 * 4 MiB (a list of thousands of regions with their certificates is tens of MiB: kept, it would
 * double the memory the catalogue itself takes; rendered per request, it costs what sending it does).
 */
const memoBudget = 32 * 1024 * 1024;
const memoEntries = 1024;
const memoMaxEntry = 4 * 1024 * 1024;

/** Regions by name and by uid, and in catalogue order: built once, shared by the snapshots patched over it. */
interface Layer {
  readonly byName: ReadonlyMap<string, Region>;
  readonly byUid: ReadonlyMap<string, Region>;
  readonly ordered: readonly Region[];
}

/**
 * The in-memory, read-only view of the catalogue that serves every read. Replaced only after a
 * write commits, so a reader never sees an uncommitted region; never changed in place (but for
 * its version, when a commit changed no region), so a reader holding it keeps a consistent view.
 *
 * A snapshot is a base layer (every region, built by a whole load) and the changes since, by name
 * and by uid: the next snapshot after a change copies those small maps, not the catalogue, so a
 * change costs what it changed whatever the catalogue's size. When the changes grow past a
 * sixteenth of the catalogue (at least 64 regions), they are folded into a new base.
 */
export class Snapshot {
  private base: Layer;
  /** regions changed over the base, by name: as they are now, or null once deleted */
  private names = new Map<string, Region | null>();
  /** the same by uid */
  private uids = new Map<string, Region | null>();
  private ordered: readonly Region[] | null;
  /** rendered answers for this version of the catalogue (see Catalog.memo) */
  readonly rendered = new Map<string, Uint8Array>();
  renderedBytes = 0;

  constructor(
    public version: number,
    regions: Iterable<Region> = [],
  ) {
    const byName = new Map<string, Region>();
    const byUid = new Map<string, Region>();
    for (const r of regions) {
      const old = byName.get(r.name);
      if (old) byUid.delete(old.uid);
      byName.set(r.name, r);
      byUid.set(r.uid, r);
    }
    this.ordered = [...byName.values()];
    this.base = { byName, byUid, ordered: this.ordered };
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

  /** Every region in catalogue order (creation time, then name, as a whole load reads them). */
  list(): readonly Region[] {
    this.ordered ??= this.merged();
    return this.ordered;
  }

  get(name: string): Region | undefined {
    const changed = this.names.get(name);
    return changed === undefined ? this.base.byName.get(name) : (changed ?? undefined);
  }

  getByUid(uid: string): Region | undefined {
    const changed = this.uids.get(uid);
    return changed === undefined ? this.base.byUid.get(uid) : (changed ?? undefined);
  }

  /**
   * The next snapshot, at `version`: this one with `changed` applied (a region by name, or null
   * for a deleted one). In catalogue order as a whole load gives it: a region updated stays where
   * it was; one created (or created again under its name) goes where its creation time puts it.
   */
  withChanges(version: number, changed: ReadonlyMap<string, Region | null>): Snapshot {
    const names = new Map(this.names);
    const uids = new Map(this.uids);
    // every uid a change takes away first: a uid may move to another name in the same change
    for (const [name, region] of changed) {
      const old = this.get(name);
      if (old && old.uid !== region?.uid) uids.set(old.uid, null);
    }
    for (const [name, region] of changed) {
      names.set(name, region);
      if (region) uids.set(region.uid, region);
    }
    const next = new Snapshot(version);
    next.base = this.base;
    next.names = names;
    next.uids = uids;
    next.ordered = null;
    if (names.size > Math.max(64, this.base.ordered.length / 16)) return new Snapshot(version, next.list());
    return next;
  }

  /**
   * This snapshot with some regions replaced by others of the same content (`by`: the region
   * each replaces), at the same version: lookups, order and rendered answers are the same. This
   * one itself when it holds none of them.
   */
  withSameContent(by: ReadonlyMap<Region, Region>): Snapshot {
    let replaced = 0;
    const regions = this.list().map((r) => {
      const other = by.get(r);
      if (other === undefined) return r;
      replaced++;
      return other;
    });
    if (replaced === 0) return this;
    const next = new Snapshot(this.version, regions);
    for (const [key, value] of this.rendered) next.rendered.set(key, value);
    next.renderedBytes = this.renderedBytes;
    return next;
  }

  /**
   * The base's regions with the changes over it: each kept in its place (deleted or created again
   * under its name: taken out), then those created since merged in by creation time (a stable sort
   * keeps the order of those created together, which is the order they were read or written in).
   */
  private merged(): Region[] {
    const kept: Region[] = [];
    for (const r of this.base.ordered) {
      const changed = this.names.get(r.name);
      if (changed === undefined) kept.push(r);
      else if (changed !== null && changed.uid === r.uid) kept.push(changed);
    }
    const added: Region[] = [];
    for (const [name, region] of this.names) {
      if (region !== null && this.base.byName.get(name)?.uid !== region.uid) added.push(region);
    }
    added.sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : 0));
    return mergeByCreation(kept, added);
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
