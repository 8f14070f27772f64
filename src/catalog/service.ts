import type { Database } from "../db/client.ts";
import { type AuditEntry, insertAudit, loadIdentity, readAudit, withdrawGrants } from "../db/identity-repo.ts";
import {
  beginWrite,
  createRegionCodec,
  loadRegions,
  type RegionCodec,
  RegionStore,
  readVersion,
  type Tx,
} from "../db/regions-repo.ts";
import type { CredentialRow } from "../db/schema.ts";
import { GatewayError } from "../domain/errors.ts";
import { type Actor, systemActor } from "../domain/principal.ts";
import { checkRegionInput, type Region, type RegionChanges, type RegionInput, redactRegion } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import { duplicate, missingParent, rethrow } from "./invariants.ts";
import { Snapshot } from "./snapshot.ts";
import { judgeCertificates, type WriteOptions } from "./write-options.ts";

export type { WriteOptions } from "./write-options.ts";

export interface CatalogOptions {
  /** seals region secrets at rest */
  secretBox: SecretBox;
  /** how often to compare the catalogue version with the database (ms); 0 disables */
  pollIntervalMs?: number;
  onError?: (message: string, error: unknown) => void;
}

/** Live credentials and revoked token ids, as loaded; the identity module indexes them. */
export interface IdentityData {
  credentials: readonly CredentialRow[];
  revokedTokens: ReadonlySet<string>;
}

/** What a write body gets: its transaction, the region queries, and the audit trail. */
export interface WriteContext {
  tx: Tx;
  version: number;
  regions: RegionStore;
  /** records a non-region change (credentials) in the audit trail of this transaction */
  audit(entry: Pick<AuditEntry, "action" | "subject" | "before" | "after">): void;
  /** the write changed credentials or revocations: reload them before answering */
  touchIdentity(): void;
}

/**
 * The region service: every invariant of the canonical catalogue (unique name and uid,
 * existing parent, no cycles), one transaction per write with its audit entries, and the
 * read snapshot (regions and identity data) that serves every read.
 */
export class Catalog {
  private snapshot = new Snapshot(0);
  private identityData: IdentityData = { credentials: [], revokedTokens: new Set() };
  private pollTimer: NodeJS.Timeout | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  private reloading: Promise<void> | null = null;
  /** the highest version known to be committed (notified, polled or written here) */
  private wantedVersion = 0;
  /** the version the identity data was read at: an older read never replaces a newer one */
  private identityVersion = 0;
  private readonly codec: RegionCodec;

  private constructor(
    private readonly database: Database,
    private readonly options: CatalogOptions,
  ) {
    this.codec = createRegionCodec(options.secretBox);
  }

  static async open(database: Database, options: CatalogOptions): Promise<Catalog> {
    const catalog = new Catalog(database, options);
    await catalog.reload();
    if (database.kind === "postgres") {
      catalog.stopListening = await database
        // (re)connected: notifications sent while the listener was away are lost, so check the version
        .listen(
          (version) => catalog.onRemoteChange(version),
          () => void catalog.poll(),
        )
        .catch((e) => {
          options.onError?.("LISTEN failed; relying on polling", e);
          return null;
        });
      const interval = options.pollIntervalMs ?? 0;
      if (interval > 0) {
        catalog.pollTimer = setInterval(() => void catalog.poll(), interval);
        catalog.pollTimer.unref();
      }
    }
    return catalog;
  }

  get version(): number {
    return this.snapshot.version;
  }

  list(): readonly Region[] {
    return this.snapshot.list();
  }

  get(name: string): Region | undefined {
    return this.snapshot.get(name);
  }

  getByUid(uid: string): Region | undefined {
    return this.snapshot.getByUid(uid);
  }

  /**
   * A rendered answer for the current catalogue version, computed once: reads are the hot
   * path, and the same list is rendered for every caller who sees the same regions. A new
   * snapshot starts empty, so nothing stale is ever served. Bounded to 64 MiB and 1,024 answers per snapshot.
   */
  memo(key: string, render: () => Uint8Array): Uint8Array {
    return this.snapshot.memo(key, render);
  }

  identity(): IdentityData {
    return this.identityData;
  }

  /** The audit trail, newest first (read from the database: it is not part of the snapshot). */
  async audit(filter: { subject?: string | undefined; limit: number }) {
    return readAudit(this.database.db as unknown as Tx, filter).catch((e) => rethrow(e, ""));
  }

  async create(input: RegionInput, actor: Actor = systemActor, options: WriteOptions = {}): Promise<Region> {
    checkRegionInput(input);
    return this.write(input.name, actor, async ({ regions, audit }) => {
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
    return this.write(name, actor, async ({ regions, audit }) => {
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
    return this.write(name, actor, async ({ tx, regions, touchIdentity }) => {
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

  /**
   * Runs `body` in one transaction that holds the writer lock (every other writer waits),
   * records its changes in the audit trail of the same transaction, and brings the snapshot
   * up to date before returning. `subject` names the region for errors. Every write of the
   * catalogue and of credentials goes through here.
   */
  async write<T>(subject: string, actor: Actor, body: (w: WriteContext) => Promise<T>): Promise<T> {
    const notify = this.database.kind === "postgres";
    let identityTouched = false;
    const { result, version, regions } = await this.database.db
      .transaction(async (tx) => {
        const version = await beginWrite(tx, notify);
        const regions = new RegionStore(tx, this.codec);
        const other: AuditEntry[] = [];
        const actorFields = { actorId: actor.id, actorName: actor.name, dialect: actor.dialect };
        const result = await body({
          tx,
          version,
          regions,
          audit: (e) => other.push({ ...actorFields, ...e }),
          touchIdentity: () => {
            identityTouched = true;
          },
        });
        const regionEntries = regions.changes.map((c) => ({
          ...actorFields,
          action: c.action,
          subject: c.subject,
          before: redactRegion(c.before),
          after: redactRegion(c.after),
        }));
        await insertAudit(tx, [...regionEntries, ...other]);
        return { result, version, regions };
      })
      .catch((e) => rethrow(e, subject));
    await this.applyCommitted(version, regions, identityTouched);
    return result;
  }

  /**
   * Re-reads the whole catalogue (and identity data) from the database, until the snapshot holds
   * every version known to be committed. A change notified while a load runs may have committed
   * after that load read the database: the running reload then loads again rather than absorb it.
   */
  async reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        for (let attempt = 1; ; attempt++) {
          await this.loadAll();
          if (this.snapshot.version >= this.wantedVersion) return;
          if (attempt === 10) {
            // the database went back (restored?): take what it holds rather than load forever
            const seen = this.snapshot.version;
            this.options.onError?.("snapshot reload", new Error(`version ${this.wantedVersion} notified, ${seen} found`));
            this.wantedVersion = this.snapshot.version;
            return;
          }
        }
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  private async loadAll(): Promise<void> {
    const loaded = await this.database.db
      .transaction(async (tx) => ({ ...(await loadRegions(tx, this.codec)), identity: await loadIdentity(tx) }), {
        isolationLevel: "repeatable read",
        accessMode: "read only",
      })
      .catch((e) => rethrow(e, ""));
    if (loaded.version >= this.snapshot.version) this.snapshot = new Snapshot(loaded.version, loaded.regions);
    this.applyIdentity(loaded.version, loaded.identity);
  }

  private applyIdentity(version: number, identity: { credentials: CredentialRow[]; revokedTokens: string[] }): void {
    if (version < this.identityVersion) return;
    this.identityVersion = version;
    this.identityData = { credentials: identity.credentials, revokedTokens: new Set(identity.revokedTokens) };
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.stopListening) await this.stopListening().catch(() => {});
    this.stopListening = null;
  }

  /** Read-your-writes: the caller is answered only once the snapshot holds its commit. */
  private async applyCommitted(version: number, regions: RegionStore, identityTouched: boolean): Promise<void> {
    if (version === this.snapshot.version + 1) {
      if (regions.changes.length === 0) {
        // nothing a reader sees changed: keep the regions and their rendered answers
        this.snapshot.version = version;
      } else {
        // copy-on-write: readers holding the old snapshot keep a consistent view
        const next = new Snapshot(version, this.snapshot.list());
        for (const c of regions.changes) {
          if (c.after) next.put(c.after);
          else next.remove(c.subject);
        }
        this.snapshot = next;
      }
      if (identityTouched) await this.reloadIdentity();
      return;
    }
    // another writer committed in between: read it all again
    this.wantedVersion = Math.max(this.wantedVersion, version);
    while (this.snapshot.version < version) await this.reload();
    if (identityTouched) await this.reloadIdentity();
  }

  /** Credentials and revocations only (small tables): after a credential or token write. */
  private async reloadIdentity(): Promise<void> {
    // read with the version it belongs to: a reload that read earlier may finish later
    const loaded = await this.database.db
      .transaction(async (tx) => ({ version: await readVersion(tx), ...(await loadIdentity(tx)) }), {
        isolationLevel: "repeatable read",
        accessMode: "read only",
      })
      .catch((e) => rethrow(e, ""));
    this.applyIdentity(loaded.version, loaded);
  }

  private onRemoteChange(version: number): void {
    this.wantedVersion = Math.max(this.wantedVersion, version);
    if (version > this.snapshot.version) {
      void this.reload().catch((e) => this.options.onError?.("snapshot reload failed", e));
    }
  }

  private async poll(): Promise<void> {
    try {
      this.onRemoteChange(await readVersion(this.database.db));
    } catch (e) {
      this.options.onError?.("catalogue version poll failed", e);
    }
  }
}
