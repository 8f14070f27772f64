import type { Database } from "../db/client.ts";
import { withdrawGrants } from "../db/identity-repo.ts";
import type { IdentityData } from "../domain/credential.ts";
import { GatewayError } from "../domain/errors.ts";
import { type Actor, systemActor } from "../domain/principal.ts";
import { checkRegionInput, type Region, type RegionChanges, type RegionInput } from "../domain/region.ts";
import { duplicate, missingParent } from "./invariants.ts";
import { type CatalogOptions, CatalogStore } from "./store.ts";
import { judgeCertificates, type WriteOptions } from "./write-options.ts";

export type { WriteOptions } from "./write-options.ts";

/**
 * The region service: the region verbs (create, update, remove) and every invariant of the
 * canonical catalogue (unique name and uid, existing parent, no cycles), over the store that runs
 * each write in one transaction and serves every read from its snapshot.
 */
export class Catalog {
  private constructor(
    /** the unit of work and the snapshot: credentials and imports write through it too */
    readonly store: CatalogStore,
  ) {}

  static async open(database: Database, options: CatalogOptions): Promise<Catalog> {
    return new Catalog(await CatalogStore.open(database, options));
  }

  get version(): number {
    return this.store.snapshot.version;
  }

  /** How long a version known to be committed has waited to be served here (0: current). */
  behindMs(): number {
    return this.store.behindMs();
  }

  list(): readonly Region[] {
    return this.store.snapshot.list();
  }

  get(name: string): Region | undefined {
    return this.store.snapshot.get(name);
  }

  getByUid(uid: string): Region | undefined {
    return this.store.snapshot.getByUid(uid);
  }

  /**
   * A rendered answer for the current catalogue version, computed once: reads are the hot
   * path, and the same list is rendered for every caller who sees the same regions. A new
   * snapshot starts empty, so nothing stale is ever served. Bounded per snapshot (see Snapshot.memo).
   */
  memo(key: string, render: () => Uint8Array): Uint8Array {
    return this.store.snapshot.memo(key, render);
  }

  identity(): IdentityData {
    return this.store.identity();
  }

  /** The audit trail, newest first (read from the database: it is not part of the snapshot). */
  audit(filter: { subject?: string | undefined; limit: number }) {
    return this.store.audit(filter);
  }

  /** Re-reads the catalogue from the database (see CatalogStore.reload). */
  reload(): Promise<void> {
    return this.store.reload();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  async create(input: RegionInput, actor: Actor = systemActor, options: WriteOptions = {}): Promise<Region> {
    checkRegionInput(input);
    return this.store.write(input.name, actor, async ({ regions, audit }) => {
      const existing = await regions.findByName(input.name);
      options.precondition?.(existing ?? undefined);
      if (existing) throw duplicate("name", input.name);
      judgeCertificates(null, input, options, audit, input.name);
      if (await regions.findByUid(input.uid)) throw duplicate("uid", input.uid);
      if (input.parentName !== null && !(await regions.findByName(input.parentName))) throw missingParent(input.parentName);
      return regions.insert(input);
    });
  }

  /**
   * Applies changes to an existing region; fields not named are kept. Pass a function to
   * derive the changes from the region as the transaction reads it (merges such as Keystone
   * extras must not start from a snapshot another writer has since moved past). `expectUid`
   * (a caller that found the region by uid) refuses a region re-created under the same name since.
   */
  async update(
    name: string,
    change: RegionChanges | ((current: Region) => RegionChanges),
    actor: Actor = systemActor,
    expectUid?: string,
    options: WriteOptions = {},
  ): Promise<Region> {
    return this.store.write(name, actor, async ({ regions, audit }) => {
      const current = await regions.findByName(name);
      if (!current || (expectUid !== undefined && current.uid !== expectUid)) {
        throw new GatewayError("not_found", `region ${name} does not exist`, { subject: name });
      }
      options.precondition?.(current);
      const changes = typeof change === "function" ? change(current) : change;
      checkRegionInput({ ...current, ...changes });
      judgeCertificates(current, { ...current, ...changes }, options, audit, name);
      const parent = changes.parentName;
      if (parent !== undefined && parent !== null && parent !== current.parentName) {
        const ancestors = await regions.ancestorsOf(parent);
        if (ancestors.length === 0) throw missingParent(parent);
        if (ancestors.includes(name)) {
          throw new GatewayError("cycle", `parent region ${parent} would create a circular region hierarchy`, {
            subject: name,
          });
        }
      }
      return regions.update(current, changes);
    });
  }

  /**
   * Deletes a region and every region below it; returns the deleted regions as they were.
   * Grants naming them are withdrawn in the same transaction, so a region later created under
   * the same name is not visible to whoever could see the old one.
   */
  async remove(name: string, actor: Actor = systemActor, expectUid?: string, options: WriteOptions = {}): Promise<Region[]> {
    return this.store.write(name, actor, async ({ tx, regions, touchIdentity }) => {
      const current = await regions.findByName(name);
      if (!current || (expectUid !== undefined && current.uid !== expectUid)) {
        throw new GatewayError("not_found", `region ${name} does not exist`, { subject: name });
      }
      options.precondition?.(current);
      const deleted = await regions.deleteTree(name);
      if (
        await withdrawGrants(
          tx,
          deleted.map((r) => r.name),
        )
      )
        touchIdentity();
      return deleted;
    });
  }
}
