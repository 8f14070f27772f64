import type { Region } from "../domain/region.ts";

/**
 * The in-memory, read-only view of the catalogue that serves every read. Replaced or
 * patched only after a write commits, so a reader never sees an uncommitted region.
 */
export class Snapshot {
  readonly byName = new Map<string, Region>();
  private readonly byUid = new Map<string, Region>();
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
