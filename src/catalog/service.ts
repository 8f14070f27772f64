import type { Database } from "../db/client.ts";
import { classifyDbError } from "../db/errors.ts";
import * as repo from "../db/regions-repo.ts";
import type { Tx } from "../db/regions-repo.ts";
import { GatewayError } from "../domain/errors.ts";
import { type Region, type RegionChanges, type RegionInput, regionSchema } from "../domain/region.ts";
import { Snapshot } from "./snapshot.ts";

export interface CatalogOptions {
  /** how often to compare the catalogue version with the database (ms); 0 disables */
  pollIntervalMs?: number;
  onError?: (message: string, error: unknown) => void;
}

/** The outcome of a committed write, applied to the snapshot before the caller is answered. */
export interface Committed {
  version: number;
  upserted: Region[];
  deleted: string[];
}

/**
 * The region service: every invariant of the canonical catalogue (unique name and uid,
 * existing parent, no cycles), one transaction per write, and the read snapshot.
 */
export class Catalog {
  private snapshot = new Snapshot(0);
  private pollTimer: NodeJS.Timeout | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  private reloading: Promise<void> | null = null;

  private constructor(
    private readonly database: Database,
    private readonly options: CatalogOptions,
  ) {}

  static async open(database: Database, options: CatalogOptions = {}): Promise<Catalog> {
    const catalog = new Catalog(database, options);
    await catalog.reload();
    if (database.kind === "postgres") {
      catalog.stopListening = await database
        .listen((version) => catalog.onRemoteChange(version))
        .catch((e) => {
          options.onError?.("LISTEN failed; relying on polling", e);
          return null;
        });
    }
    const interval = options.pollIntervalMs ?? 0;
    if (interval > 0 && database.kind === "postgres") {
      catalog.pollTimer = setInterval(() => void catalog.poll(), interval);
      catalog.pollTimer.unref();
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

  async create(input: RegionInput): Promise<Region> {
    checkCanonical(input);
    const committed = await this.write(input.name, async (tx, version) => {
      if (await repo.findByName(tx, input.name)) throw duplicate("name", input.name);
      if (await repo.findByUid(tx, input.uid)) throw duplicate("uid", input.uid);
      if (input.parentName !== null && !(await repo.findByName(tx, input.parentName))) {
        throw new GatewayError("not_found", `parent region ${input.parentName} does not exist`, {
          subject: input.parentName,
          fields: { parentName: ["does not exist"] },
        });
      }
      return { version, upserted: [await repo.insertRegion(tx, input)], deleted: [] };
    });
    return committed.upserted[0] as Region;
  }

  /** Applies `changes` to an existing region; fields not named are kept. */
  async update(name: string, changes: RegionChanges): Promise<Region> {
    const committed = await this.write(name, async (tx, version) => {
      const current = await repo.findByName(tx, name);
      if (!current) throw new GatewayError("not_found", `region ${name} does not exist`, { subject: name });
      checkCanonical({ ...current, ...changes });
      const parent = changes.parentName;
      if (parent !== undefined && parent !== null && parent !== current.parentName) {
        const ancestors = await repo.ancestorsOf(tx, parent);
        if (ancestors.length === 0) {
          throw new GatewayError("not_found", `parent region ${parent} does not exist`, {
            subject: parent,
            fields: { parentName: ["does not exist"] },
          });
        }
        if (ancestors.includes(name)) {
          throw new GatewayError("cycle", `parent region ${parent} would create a circular region hierarchy`, {
            subject: name,
          });
        }
      }
      return { version, upserted: [await repo.updateRegion(tx, name, changes)], deleted: [] };
    });
    return committed.upserted[0] as Region;
  }

  /** Deletes a region and every region below it; returns the deleted regions as they were. */
  async remove(name: string): Promise<Region[]> {
    const before = new Map(this.snapshot.byName);
    const committed = await this.write(name, async (tx, version) => {
      if (!(await repo.findByName(tx, name))) {
        throw new GatewayError("not_found", `region ${name} does not exist`, { subject: name });
      }
      return { version, upserted: [], deleted: await repo.deleteRegionTree(tx, name) };
    });
    return committed.deleted.map((n) => before.get(n)).filter((r): r is Region => r !== undefined);
  }

  /** Re-reads the whole catalogue from the database. */
  async reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const { version, regions } = await repo.loadCatalog(this.database.db).catch((e) => rethrow(e, ""));
        if (version >= this.snapshot.version) this.snapshot = new Snapshot(version, regions);
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.stopListening) await this.stopListening().catch(() => {});
    this.stopListening = null;
  }

  /**
   * Runs `body` in one transaction that holds the writer lock (every other writer waits), then
   * applies what it reports to the snapshot before returning. `subject` names the region for
   * errors. Every write of the catalogue goes through here.
   */
  async write(subject: string, body: (tx: Tx, version: number) => Promise<Committed>): Promise<Committed> {
    const notify = this.database.kind === "postgres";
    const committed = await this.database.db
      .transaction(async (tx) => body(tx, await repo.beginWrite(tx, notify)))
      .catch((e) => rethrow(e, subject));
    this.apply(committed);
    return committed;
  }

  private apply(c: Committed): void {
    if (c.version <= this.snapshot.version) return; // a reload already has it
    if (c.version !== this.snapshot.version + 1) {
      // another writer committed in between: our delta alone would be wrong
      void this.reload().catch((e) => this.options.onError?.("snapshot reload failed", e));
      return;
    }
    // copy-on-write: readers holding the old snapshot keep a consistent view
    const next = new Snapshot(c.version, this.snapshot.list());
    for (const name of c.deleted) next.remove(name);
    for (const r of c.upserted) next.put(r);
    this.snapshot = next;
  }

  private onRemoteChange(version: number): void {
    if (version > this.snapshot.version) {
      void this.reload().catch((e) => this.options.onError?.("snapshot reload failed", e));
    }
  }

  private async poll(): Promise<void> {
    try {
      const version = await repo.readVersion(this.database.db);
      this.onRemoteChange(version);
    } catch (e) {
      this.options.onError?.("catalogue version poll failed", e);
    }
  }
}

function duplicate(on: "name" | "uid", value: string): GatewayError {
  return new GatewayError("conflict", `a region with ${on} ${value} already exists`, {
    subject: value,
    conflictOn: on,
  });
}

/** Last line of defence for the canonical rules; the adapters report them in each dialect first. */
function checkCanonical(input: RegionInput): void {
  const result = regionSchema.omit({ revision: true, createdAt: true, updatedAt: true }).safeParse(input);
  if (result.success) return;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "region");
    (fields[key] ??= []).push(issue.message);
  }
  throw new GatewayError("validation", "invalid region", { fields });
}

/** Maps driver errors to domain errors; GatewayErrors pass through. */
function rethrow(error: unknown, subject: string): never {
  if (error instanceof GatewayError) throw error;
  switch (classifyDbError(error)) {
    case "duplicate_name":
      throw duplicate("name", subject);
    case "duplicate_uid":
      throw duplicate("uid", subject);
    case "missing_parent":
      throw new GatewayError("not_found", "parent region does not exist", { fields: { parentName: ["does not exist"] } });
    case "unavailable":
      throw new GatewayError("unavailable", "the database is unavailable");
    default:
      throw error;
  }
}
