import { GatewayError } from "../domain/errors.ts";
import { type Actor, actorOf, canReadSecrets, canSee, isAdmin, type Principal, visibilityKey } from "../domain/principal.ts";
import type { Region, RegionChanges, RegionInput } from "../domain/region.ts";
import type { Catalog, WriteOptions } from "./service.ts";

/** The admin-only verbs, named as Keystone's policy names them (its 403 text quotes the name). */
export type WriteAction = "identity:create_region" | "identity:update_region" | "identity:delete_region";

/** How a route family sees the catalogue. */
export interface CallerViewOptions {
  /** who the audit trail says made a change */
  dialect: Actor["dialect"];
  /** a caller bound to an enterprise sees only its enterprise's regions, and adds only to it (Rainbond v1) */
  enterpriseScope?: boolean;
  /** the 403 text for a non-admin write, in the route family's words */
  forbidden: (action: WriteAction) => string;
}

/**
 * The admin-only rule, for what has no region to act on (the admin API's credentials, audit and
 * import): a 403 with `message` for any other caller.
 */
export function requireAdmin(principal: Principal, message: string): void {
  if (!isAdmin(principal)) throw new GatewayError("forbidden", message);
}

/** Whether `principal` may name a token that belongs to `ownerId`: its own, or any as an admin. */
export const mayNameTokenOf = (principal: Principal, ownerId: string | undefined): boolean =>
  isAdmin(principal) || ownerId === principal.id;

/**
 * The catalogue as `principal` sees it: the one door for every route's authorisation. A function
 * over the catalogue the routes were given (not a method bound to it), so that whatever stands in
 * for the catalogue (a test's failing proxy) is what the view reads.
 */
export const catalogAs = (catalog: Catalog, principal: Principal, options: CallerViewOptions): CallerView =>
  new CallerView(catalog, principal, options);

/** How a key in a path finds a region: by name, by region_id, or by name and else by region_id. */
export type LookupBy = "name" | "uid" | "name-or-uid";

/**
 * The catalogue as one caller sees it: the single door every route family (Keystone, Rainbond
 * v1/v2, the admin API and import/export) reads and writes through. It decides visibility
 * (private regions: admins and those granted them), the enterprise scope, hidden parents (a
 * parent the caller may not see is not named), admin-only writes and whether secrets are shown.
 * A region the caller may not see is a `not_found`, exactly like one that does not exist.
 */
export class CallerView {
  constructor(
    private readonly catalog: Catalog,
    readonly principal: Principal,
    private readonly options: CallerViewOptions,
  ) {}

  /** key_file and token are shown to admins only. */
  get readsSecrets(): boolean {
    return canReadSecrets(this.principal);
  }

  /** The key of everything that decides what this caller sees: callers with the same key can share an answer. */
  get visibilityKey(): string {
    return visibilityKey(this.principal);
  }

  private sees(r: Region): boolean {
    const p = this.principal;
    if (!canSee(p, r)) return false;
    return !this.options.enterpriseScope || p.enterpriseId === null || r.enterpriseId === p.enterpriseId;
  }

  // A parent the caller may not see is not named either (it would leak a private region's name).
  private asSeen(r: Region): Region {
    if (r.parentName === null) return r;
    const parent = this.catalog.get(r.parentName);
    return parent && canSee(this.principal, parent) ? r : { ...r, parentName: null };
  }

  /** Every region this caller sees, in the catalogue's order. */
  list(): Region[] {
    return this.catalog
      .list()
      .filter((r) => this.sees(r))
      .map((r) => this.asSeen(r));
  }

  /** The region `key` names, if this caller sees it. */
  find(key: string, by: LookupBy = "name"): Region | undefined {
    const candidates =
      by === "name"
        ? [this.catalog.get(key)]
        : by === "uid"
          ? [this.catalog.getByUid(key)]
          : [this.catalog.get(key), this.catalog.getByUid(key)];
    const r = candidates.find((c): c is Region => c !== undefined && this.sees(c));
    return r && this.asSeen(r);
  }

  /** The region `key` names, or a `not_found` (whether it is missing or hidden from this caller). */
  get(key: string, by: LookupBy = "name"): Region {
    const r = this.find(key, by);
    if (!r) throw new GatewayError("not_found", `region ${key} not found`, { subject: key });
    return r;
  }

  /**
   * The writing side of the door, for admins only: a 403 otherwise. Taken before the body is
   * read, so that a non-admin learns nothing from how its body would have been judged.
   */
  writer(action: WriteAction): CallerWriter {
    requireAdmin(this.principal, this.options.forbidden(action));
    return new CallerWriter(this.catalog, this, actorOf(this.principal, this.options.dialect), this.options);
  }
}

/** Writes as an admin caller; each names the region the way the caller's view finds it. */
export class CallerWriter {
  constructor(
    private readonly catalog: Catalog,
    private readonly view: CallerView,
    private readonly actor: Actor,
    private readonly options: CallerViewOptions,
  ) {}

  /**
   * Creates a region. A caller bound to an enterprise (where the scope applies) adds it to its
   * own enterprise, else it could not see it, and to no other.
   */
  create(input: RegionInput, write: WriteOptions = {}): Promise<Region> {
    const bound = this.view.principal.enterpriseId;
    if (this.options.enterpriseScope && bound !== null) {
      if (input.enterpriseId && input.enterpriseId !== bound) {
        throw new GatewayError("forbidden", this.options.forbidden("identity:create_region"));
      }
      return this.catalog.create({ ...input, enterpriseId: bound }, this.actor, write);
    }
    return this.catalog.create(input, this.actor, write);
  }

  /** Updates the region `key` names (a `not_found` if this caller cannot see it). */
  update(
    key: string,
    change: RegionChanges | ((current: Region) => RegionChanges),
    write: WriteOptions = {},
    by: LookupBy = "name",
  ): Promise<Region> {
    const r = this.view.get(key, by);
    return this.catalog.update(r.name, change, this.actor, by === "name" ? undefined : r.uid, write);
  }

  /** Removes the region `key` names and every region below it; returns the region as it was. */
  async remove(key: string, write: WriteOptions = {}, by: LookupBy = "name"): Promise<Region> {
    const r = this.view.get(key, by);
    await this.catalog.remove(r.name, this.actor, by === "name" ? undefined : r.uid, write);
    return r;
  }
}
