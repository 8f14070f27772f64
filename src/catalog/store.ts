import type { Database } from "../db/client.ts";
import { type AuditEntry, insertAudit, loadIdentity, readAudit } from "../db/identity-repo.ts";
import {
  beginWrite,
  createRegionCodec,
  loadRegions,
  type RegionCodec,
  RegionStore,
  readChangeAge,
  readChangesSince,
  readVersion,
  recordChange,
  type Tx,
} from "../db/regions-repo.ts";
import { digestRegion } from "../domain/audit.ts";
import { compactCertificates } from "../domain/compact-pem.ts";
import type { Credential, IdentityData } from "../domain/credential.ts";
import { type ErrorCode, GatewayError } from "../domain/errors.ts";
import type { Actor } from "../domain/principal.ts";
import { type Region, redactRegion } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import { watchCatalogVersion } from "./change-feed.ts";
import { rethrow } from "./invariants.ts";
import { Snapshot } from "./snapshot.ts";

export interface CatalogOptions {
  /** seals region secrets at rest */
  secretBox: SecretBox;
  /** how often to compare the catalogue version with the database (ms); 0 disables */
  pollIntervalMs?: number;
  onError?: (message: string, error: unknown) => void;
  /** told of writes, reloads and their failures (the metrics) */
  observer?: CatalogObserver;
  /** told after a change that replaced or loaded many regions (the process may give memory back) */
  onLargeChange?: () => void;
  /** runs work on thousands of regions at once (an import), which the process may size its heap for */
  aroundLargeWork?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** How many regions written or loaded at once make a change large (see CatalogOptions.onLargeChange). */
const largeChange = 1_000;

/** How a write ended: committed, refused with a gateway error's code, or failed otherwise. */
export type WriteOutcome = "committed" | ErrorCode | "error";

/** What the catalogue tells the metrics; plain callbacks, the catalogue knows nothing of Prometheus. */
export interface CatalogObserver {
  write?(outcome: WriteOutcome): void;
  /** a change another instance committed is served here, `ms` after its writer took the catalogue lock */
  propagated?(ms: number): void;
  /** a reload, a version poll or the change listener failed */
  reloadError?(kind: "reload" | "poll" | "listen"): void;
}

/** How a write is recorded. */
export interface StoreWriteOptions {
  /**
   * How the audit entries of the write's region changes show certificates: their text (every
   * single write), or their SHA-256 digest (imports: thousands of regions at once, whose
   * certificates would otherwise be written twice). Secrets are redacted either way.
   */
  certificates?: "text" | "digest";
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
 * The catalogue's store: the unit of work every write goes through (one transaction holding the
 * writer lock, with its audit entries), and the read snapshot (regions and identity data) kept up
 * to date after each commit, on a reload, and as the change feed reports other instances' commits.
 * It knows no region rule: those are the region verbs' (`Catalog`), the credentials' and the import's.
 */
export class CatalogStore {
  private current = new Snapshot(0);
  /**
   * the stamp of the write that made the snapshot's version (see readChangesSince): the change
   * log is applied over it only while the database holds that same write under that version
   */
  private currentStamp: string | null = null;
  private identityData: IdentityData = { credentials: [], revokedTokens: new Set() };
  private stopFeed: (() => Promise<void>) | null = null;
  /** the running catch-up (one at a time: see catchUp) */
  private catching: Promise<void> | null = null;
  /** the next catch-up pass reads the whole catalogue (reload()), not the change log */
  private wholeWanted = false;
  /**
   * versions this instance is writing now: their notifications are its own, applied by the write
   * (true once notified: a write that fails after all, its commit unconfirmed, passes it on)
   */
  private readonly writing = new Map<number, boolean>();
  /** the highest version known to be committed (notified, polled or written here) */
  private wantedVersion = 0;
  /** the version the identity data was read at: an older read never replaces a newer one */
  private identityVersion = 0;
  /** the last version this instance wrote (its own changes are not "propagated" to it) */
  private lastOwnVersion = 0;
  /** since when (performance.now()) a known newer version has not been loaded; null when current */
  private behindSince: number | null = null;
  private opened = false;
  private readonly codec: RegionCodec;
  /** regions written in bulk whose certificates are still text, and the pass packing them (see packSoon) */
  private toPack: Region[] = [];
  private packing: Promise<void> | null = null;

  private constructor(
    private readonly database: Database,
    private readonly options: CatalogOptions,
  ) {
    this.codec = createRegionCodec(options.secretBox);
  }

  static async open(database: Database, options: CatalogOptions): Promise<CatalogStore> {
    const store = new CatalogStore(database, options);
    await store.reload();
    store.opened = true;
    store.stopFeed = await watchCatalogVersion(database, {
      onVersion: (version) => store.onRemoteChange(version),
      pollIntervalMs: options.pollIntervalMs ?? 0,
      onError: options.onError,
      onFailure: (kind) => options.observer?.reloadError?.(kind),
    });
    return store;
  }

  /** The regions as of the last commit this instance knows of: every read is served from it. */
  get snapshot(): Snapshot {
    return this.current;
  }

  identity(): IdentityData {
    return this.identityData;
  }

  /** How long a version this instance knows was committed has waited to be served here (0: current). */
  behindMs(now = performance.now()): number {
    return this.behindSince === null ? 0 : now - this.behindSince;
  }

  /** Runs `work`, which handles thousands of regions at once (an import), as CatalogOptions.aroundLargeWork says. */
  largeWork<T>(work: () => Promise<T>): Promise<T> {
    return this.options.aroundLargeWork ? this.options.aroundLargeWork(work) : work();
  }

  /** The audit trail, newest first (read from the database: it is not part of the snapshot). */
  async audit(filter: { subject?: string | undefined; limit: number }) {
    // in a transaction, as every query here: the embedded database may be between two engines (Database.recycle)
    return this.database.db.transaction((tx) => readAudit(tx, filter), { accessMode: "read only" }).catch((e) => rethrow(e, ""));
  }

  /**
   * Runs `body` in one transaction that holds the writer lock (every other writer waits),
   * records its changes in the audit trail of the same transaction, and brings the snapshot
   * up to date before returning. `subject` names the region for errors. Every write of the
   * catalogue and of credentials goes through here.
   */
  async write<T>(
    subject: string,
    actor: Actor,
    body: (w: WriteContext) => Promise<T>,
    options: StoreWriteOptions = {},
  ): Promise<T> {
    const observer = this.options.observer;
    if (!observer?.write) return this.writeOnce(subject, actor, body, options);
    try {
      const result = await this.writeOnce(subject, actor, body, options);
      observer.write("committed");
      return result;
    } catch (e) {
      observer.write(e instanceof GatewayError ? e.code : "error");
      throw e;
    }
  }

  private async writeOnce<T>(
    subject: string,
    actor: Actor,
    body: (w: WriteContext) => Promise<T>,
    options: StoreWriteOptions,
  ): Promise<T> {
    const auditView = options.certificates === "digest" ? digestRegion : redactRegion;
    const notify = this.database.kind === "postgres";
    // What the transaction needs and makes, reached only through this holder and emptied once the
    // write is done: a driver may keep the transaction's callback (and its promise) alive until
    // the connection's next use (postgres.js does), which would otherwise keep a whole import
    // (its document, its plan, its changes) in memory.
    const job: {
      body?: (w: WriteContext) => Promise<T>;
      version?: number;
      done?: { result: T; version: number; stamp: string; regions: RegionStore };
    } = { body };
    let identityTouched = false;
    try {
      await this.database.db
        .transaction(async (tx) => {
          const { version, stamp } = await beginWrite(tx, notify);
          this.writing.set(version, false);
          job.version = version;
          const regions = new RegionStore(tx, this.codec, this.database.bulk);
          const other: AuditEntry[] = [];
          const actorFields = { actorId: actor.id, actorName: actor.name, dialect: actor.dialect };
          const run = job.body as (w: WriteContext) => Promise<T>;
          const result = await run({
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
            before: auditView(c.before),
            after: auditView(c.after),
          }));
          const audited = insertAudit(tx, [...regionEntries, ...other], this.database.bulk);
          // what other instances load (PostgreSQL: the embedded database has no other instance);
          // sent with the audit entries (postgres.js pipelines the two statements: one round trip)
          if (notify) await Promise.all([audited, recordChange(tx, version, changedNames(regions), identityTouched)]);
          else await audited;
          job.done = { result, version, stamp, regions };
        })
        .catch((e) => rethrow(e, subject));
      const { result, version, stamp, regions } = job.done as NonNullable<typeof job.done>;
      this.lastOwnVersion = Math.max(this.lastOwnVersion, version);
      await this.applyCommitted(version, stamp, regions, identityTouched);
      return result;
    } finally {
      if (job.version !== undefined) {
        const notified = this.writing.get(job.version);
        this.writing.delete(job.version);
        if (notified) this.onRemoteChange(job.version);
      }
      job.body = undefined;
      job.done = undefined;
    }
  }

  /**
   * Re-reads the whole catalogue (and identity data) from the database, then catches up with
   * every version known to be committed meanwhile (see catchUp).
   */
  reload(): Promise<void> {
    this.wholeWanted = true;
    return this.catchUp();
  }

  /**
   * Brings the snapshot to every version known to be committed (`wantedVersion`). Each pass reads,
   * in one statement, what the versions after the snapshot's changed (the change log) and only
   * those regions, or the whole catalogue when the log does not cover them all (a version written
   * without it, pruned, or too large to list) or a reload asked for it. A change notified while a
   * pass runs may have committed after that pass read the database: another pass follows rather
   * than absorb it. One catch-up runs at a time; callers meanwhile share it.
   */
  private catchUp(): Promise<void> {
    this.catching ??= (async () => {
      try {
        for (let stale = 0; ; ) {
          const wanted = this.wantedVersion;
          const whole = this.wholeWanted;
          this.wholeWanted = false;
          let found: number;
          try {
            found = whole ? await this.loadAll() : await this.loadChanges();
          } catch (e) {
            if (whole) this.wholeWanted = true;
            throw e;
          }
          if (!this.wholeWanted && this.current.version >= this.wantedVersion) return this.caughtUp();
          // a version notified before this pass read the database was not there
          if (found < wanted && ++stale >= 10) {
            // the database went back (restored?): take what it holds rather than load forever
            const seen = this.current.version;
            this.options.onError?.("snapshot reload", new Error(`version ${this.wantedVersion} notified, ${seen} found`));
            this.options.observer?.reloadError?.("reload");
            this.wantedVersion = this.current.version;
            return this.caughtUp();
          }
        }
      } finally {
        this.catching = null;
      }
    })();
    return this.catching;
  }

  async close(): Promise<void> {
    const stop = this.stopFeed;
    this.stopFeed = null;
    if (stop) await stop();
  }

  /** Reads the whole catalogue and identity data; resolves to the version read. */
  private async loadAll(): Promise<number> {
    // the version's stamp and how old it is, read first: the same snapshot as the regions
    const loaded = await this.database.db
      .transaction(
        async (tx) => {
          const change = await readChangeAge(tx);
          const readAt = performance.now();
          return { change, readAt, ...(await loadRegions(tx, this.codec)), identity: await loadIdentity(tx) };
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      )
      .catch((e) => rethrow(e, ""));
    const advanced = loaded.version > this.current.version;
    if (loaded.version >= this.current.version) {
      this.current = new Snapshot(loaded.version, loaded.regions);
      this.currentStamp = loaded.change.stamp;
    }
    this.applyIdentity(loaded.version, loaded.identity);
    if (loaded.regions.length >= largeChange) this.options.onLargeChange?.();
    if (advanced) this.propagated(loaded.version, loaded.change.ageMs, loaded.readAt);
    return loaded.version;
  }

  /**
   * Reads what changed after the snapshot's version (one statement: the change log and the rows
   * it names) and applies it; reads the whole catalogue instead when the log does not cover every
   * version since. Resolves to the version read.
   */
  private async loadChanges(): Promise<number> {
    // the embedded database keeps no change log (no other instance reads it); its queries also
    // run in transactions only (Database.recycle)
    if (this.database.kind !== "postgres") return this.loadAll();
    const since = this.current.version;
    const delta = await readChangesSince(this.database.db, this.codec, since, this.currentStamp).catch((e) => rethrow(e, ""));
    const readAt = performance.now();
    if (!delta.complete) return this.loadAll();
    if (delta.version <= since) return delta.version;
    // identity first: should its read fail, the snapshot stays behind and the next pass reads both again
    if (delta.identity) await this.reloadIdentity();
    // the snapshot may have moved meanwhile (this instance's own write): the rows read are each
    // region as of delta.version, and every version between `since` and it is covered by them,
    // so they bring any snapshot from `since` up to delta.version
    if (delta.version <= this.current.version) return delta.version;
    const changed = new Map<string, Region | null>();
    for (const name of delta.removed) changed.set(name, null);
    for (const region of delta.regions) changed.set(region.name, region);
    // nothing a reader sees changed (identity only): keep the regions and their rendered answers
    if (changed.size === 0) this.current.version = delta.version;
    else this.current = this.current.withChanges(delta.version, changed);
    this.currentStamp = delta.stamp;
    if (changed.size >= largeChange) this.options.onLargeChange?.();
    this.propagated(delta.version, delta.ageMs, readAt);
    return delta.version;
  }

  /**
   * Tells the metrics how long another instance's change took to be served here (PostgreSQL only:
   * the embedded database has no other writer).
   */
  private propagated(version: number, ageMs: number | null, readAt: number): void {
    if (!this.opened || this.database.kind !== "postgres" || ageMs === null || version <= this.lastOwnVersion) return;
    this.options.observer?.propagated?.(Math.max(0, ageMs) + (performance.now() - readAt));
  }

  private caughtUp(): void {
    if (this.current.version >= this.wantedVersion) this.behindSince = null;
  }

  private applyIdentity(version: number, identity: { credentials: Credential[]; revokedTokens: string[] }): void {
    if (version < this.identityVersion) return;
    this.identityVersion = version;
    this.identityData = { credentials: identity.credentials, revokedTokens: new Set(identity.revokedTokens) };
  }

  /** Read-your-writes: the caller is answered only once the snapshot holds its commit. */
  private async applyCommitted(version: number, stamp: string, regions: RegionStore, identityTouched: boolean): Promise<void> {
    if (version === this.current.version + 1) {
      this.currentStamp = stamp;
      if (regions.changes.length === 0) {
        // nothing a reader sees changed: keep the regions and their rendered answers
        this.current.version = version;
      } else {
        // copy-on-write: readers holding the old snapshot keep a consistent view
        const changed = new Map<string, Region | null>();
        for (const c of regions.changes) changed.set(c.subject, c.after);
        this.current = this.current.withChanges(version, changed);
        if (regions.changes.length >= largeChange) this.options.onLargeChange?.();
        if (regions.unpacked.length > 0) this.packSoon(regions.unpacked);
      }
      this.caughtUp();
      if (identityTouched) await this.reloadIdentity();
      return;
    }
    // another writer committed in between: catch up with it (and with this write) from the database
    this.wantedVersion = Math.max(this.wantedVersion, version);
    while (this.current.version < version) await this.catchUp();
    this.caughtUp();
    if (identityTouched) await this.reloadIdentity();
  }

  /**
   * Packs the certificates of `regions` (domain/compact-pem.ts), regions of the snapshot that hold
   * them as text: an import's, which its bulk insert leaves as the document gave them so that
   * packing them does not delay its answer. Runs once the write is applied, a few hundred regions
   * per turn of the event loop, then replaces the snapshot by one of the same version and content
   * (the same answers: its rendered ones are carried over) where each region packed is still the
   * one the snapshot holds; a region a write replaced meanwhile stays replaced.
   */
  private packSoon(regions: readonly Region[]): void {
    for (const r of regions) this.toPack.push(r);
    this.packing ??= (async () => {
      try {
        while (this.toPack.length > 0) {
          const batch = this.toPack;
          this.toPack = [];
          const packed = new Map<Region, Region>();
          for (let i = 0; i < batch.length; i++) {
            const r = batch[i] as Region;
            const p = compactCertificates(r);
            if (p !== r) packed.set(r, p);
            if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
          }
          if (packed.size > 0) this.current = this.current.withSameContent(packed);
        }
      } finally {
        this.packing = null;
      }
    })();
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
    // this instance's own write, notified before its commit was applied here: the write applies it
    if (this.writing.has(version)) {
      this.writing.set(version, true);
      return;
    }
    this.wantedVersion = Math.max(this.wantedVersion, version);
    if (version > this.current.version) {
      this.behindSince ??= performance.now();
      void this.catchUp().catch((e) => {
        this.options.onError?.("snapshot reload failed", e);
        this.options.observer?.reloadError?.("reload");
      });
    }
  }
}

/** What a write changed, for the change log: its regions' names, or null when too many to list. */
function changedNames(regions: RegionStore): string[] | null {
  const names = new Set(regions.changes.map((c) => c.subject));
  return names.size > largeChange ? null : [...names];
}
