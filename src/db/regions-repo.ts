import { eq, sql } from "drizzle-orm";
import { type Region, type RegionChanges, type RegionInput, secretFields } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import type { Db } from "./client.ts";
import { notifyChannel } from "./client.ts";
import { catalogState, type RegionRow, regions } from "./schema.ts";

/** A transaction handle; drizzle's is the same shape as the database. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Canonical region ⇄ row. The one place where stored values differ from canonical ones: the
 * secrets (the domain's `secretFields`: client key, region token) are sealed with AES-256-GCM,
 * and timestamps read back as ISO 8601.
 */
export interface RegionCodec {
  toRow<T extends RegionChanges>(values: T): T;
  fromRow(row: RegionRow): Region;
}

const iso = (t: string): string => new Date(t).toISOString();

export function createRegionCodec(box: SecretBox): RegionCodec {
  const seal = (v: string | null | undefined) => (typeof v === "string" ? box.seal(v) : v);
  const open = (v: string | null) => (v === null ? null : box.open(v));
  return {
    toRow(values) {
      const row: RegionChanges = { ...values };
      for (const f of secretFields) if (f in row) row[f] = seal(row[f]);
      return row as typeof values;
    },
    fromRow(row) {
      // a row is a Region field for field (checked at compile time in schema.ts)
      const region: Region = { ...row, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
      for (const f of secretFields) region[f] = open(row[f]);
      return region;
    },
  };
}

/** Every region and the catalogue version they belong to, read in one snapshot. */
export async function loadRegions(tx: Tx, codec: RegionCodec): Promise<{ version: number; regions: Region[] }> {
  const [state] = await tx.select().from(catalogState).where(eq(catalogState.id, 1));
  const rows = await tx.select().from(regions).orderBy(regions.createdAt, regions.name);
  return { version: state?.version ?? 0, regions: rows.map((r) => codec.fromRow(r)) };
}

export async function readVersion(db: Db | Tx): Promise<number> {
  const [state] = await db.select().from(catalogState).where(eq(catalogState.id, 1));
  return state?.version ?? 0;
}

/**
 * The catalogue version and how long ago (milliseconds, on the database's clock, so no two
 * machines' clocks are compared) its writer took the lock; null before the first write.
 */
export async function readChangeAge(db: Db | Tx): Promise<{ version: number; ageMs: number | null }> {
  const [state] = await db
    .select({
      version: catalogState.version,
      ageMs: sql<number | null>`extract(epoch from clock_timestamp() - ${catalogState.changedAt}) * 1000`.mapWith(Number),
    })
    .from(catalogState)
    .where(eq(catalogState.id, 1));
  return { version: state?.version ?? 0, ageMs: state?.ageMs ?? null };
}

/**
 * Opens a write: bumps the catalogue version, which takes the row lock that serialises
 * writers until commit, and tells other instances through NOTIFY (delivered at commit).
 */
export async function beginWrite(tx: Tx, notify: boolean): Promise<number> {
  const [state] = await tx
    .insert(catalogState)
    .values({ id: 1, version: 1, changedAt: sql`clock_timestamp()` })
    .onConflictDoUpdate({
      target: catalogState.id,
      set: { version: sql`${catalogState.version} + 1`, changedAt: sql`clock_timestamp()` },
    })
    .returning();
  const version = state?.version ?? 1;
  if (notify) await tx.execute(sql`select pg_notify(${notifyChannel}, ${String(version)})`);
  return version;
}

/** One change to one region, as the audit trail records it. */
export interface RegionChange {
  action: "region.create" | "region.update" | "region.delete";
  subject: string;
  before: Region | null;
  after: Region | null;
}

/**
 * The region queries of one write transaction. It remembers what it changed, so the
 * caller can update the snapshot and the audit trail from one list.
 */
export class RegionStore {
  readonly changes: RegionChange[] = [];

  constructor(
    readonly tx: Tx,
    private readonly codec: RegionCodec,
  ) {}

  async findByName(name: string): Promise<Region | null> {
    const [row] = await this.tx.select().from(regions).where(eq(regions.name, name));
    return row ? this.codec.fromRow(row) : null;
  }

  async findByUid(uid: string): Promise<Region | null> {
    const [row] = await this.tx.select().from(regions).where(eq(regions.uid, uid));
    return row ? this.codec.fromRow(row) : null;
  }

  async insert(input: RegionInput): Promise<Region> {
    const [row] = await this.tx.insert(regions).values(this.codec.toRow(input)).returning();
    if (!row) throw new Error("insert returned no row");
    const created = this.codec.fromRow(row);
    this.changes.push({ action: "region.create", subject: created.name, before: null, after: created });
    return created;
  }

  /**
   * Inserts many regions in multi-row statements (bulk imports). A parent must come before its
   * children in `inputs`, or be in the same chunk: foreign keys are checked per statement.
   */
  async insertMany(inputs: readonly RegionInput[], chunkSize = 250): Promise<Region[]> {
    const created: Region[] = [];
    for (let i = 0; i < inputs.length; i += chunkSize) {
      const rows = await this.tx
        .insert(regions)
        .values(inputs.slice(i, i + chunkSize).map((input) => this.codec.toRow(input)))
        .returning();
      for (const row of rows) {
        const region = this.codec.fromRow(row);
        this.changes.push({ action: "region.create", subject: region.name, before: null, after: region });
        created.push(region);
      }
    }
    return created;
  }

  async update(before: Region, changes: RegionChanges): Promise<Region> {
    const [row] = await this.tx
      .update(regions)
      .set({ ...this.codec.toRow(changes), revision: sql`${regions.revision} + 1`, updatedAt: sql`now()` })
      .where(eq(regions.name, before.name))
      .returning();
    if (!row) throw new Error(`update found no region ${before.name}`);
    const after = this.codec.fromRow(row);
    this.changes.push({ action: "region.update", subject: after.name, before, after });
    return after;
  }

  /** Deletes a region and its whole subtree (the foreign key cascades); returns them as they were. */
  async deleteTree(name: string): Promise<Region[]> {
    const subtree = await this.tx.execute<RegionRow>(sql`
      with recursive sub(name) as (
        select name from regions where name = ${name}
        union
        select r.name from regions r join sub on r.parent_name = sub.name
      ) select r.* from regions r join sub on r.name = sub.name`);
    await this.tx.delete(regions).where(eq(regions.name, name));
    const deleted = rowsOf<Record<string, unknown>>(subtree).map((r) => this.codec.fromRow(camelRow(r)));
    for (const d of deleted) this.changes.push({ action: "region.delete", subject: d.name, before: d, after: null });
    return deleted;
  }

  /** The chain of ancestors of `name`, nearest first (stops if the data already loops). */
  async ancestorsOf(name: string): Promise<string[]> {
    const result = await this.tx.execute<{ name: string }>(sql`
      with recursive up(name, parent, depth) as (
        select name, parent_name, 0 from regions where name = ${name}
        union
        select r.name, r.parent_name, up.depth + 1 from regions r join up on r.name = up.parent
        where up.depth < 10000
      ) select name from up order by depth`);
    return rowsOf<{ name: string }>(result).map((r) => r.name);
  }
}

// postgres.js returns an array, PGlite an object with `rows`.
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

// A raw `select r.*` comes back with snake_case keys and driver-native timestamps.
function camelRow(raw: Record<string, unknown>): RegionRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v instanceof Date ? v.toISOString() : v;
  }
  return out as RegionRow;
}
