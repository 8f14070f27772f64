import { eq, sql } from "drizzle-orm";
import type { Region, RegionChanges, RegionInput } from "../domain/region.ts";
import type { Db } from "./client.ts";
import { notifyChannel } from "./client.ts";
import { catalogState, type RegionRow, regions } from "./schema.ts";

/** A transaction handle; drizzle's is the same shape as the database. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const iso = (t: string): string => new Date(t).toISOString();

export function fromRow(row: RegionRow): Region {
  return {
    uid: row.uid,
    name: row.name,
    alias: row.alias,
    locales: row.locales,
    description: row.description,
    scope: row.scope as Region["scope"],
    status: row.status as Region["status"],
    parentName: row.parentName,
    apiUrl: row.apiUrl,
    wsUrl: row.wsUrl,
    httpDomain: row.httpDomain,
    tcpDomain: row.tcpDomain,
    caCert: row.caCert,
    clientCert: row.clientCert,
    clientKey: row.clientKey,
    regionToken: row.regionToken,
    enterpriseId: row.enterpriseId,
    extra: row.extra,
    revision: row.revision,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** Every region and the catalogue version they belong to, read in one snapshot. */
export async function loadCatalog(db: Db): Promise<{ version: number; regions: Region[] }> {
  return db.transaction(
    async (tx) => {
      const [state] = await tx.select().from(catalogState).where(eq(catalogState.id, 1));
      const rows = await tx.select().from(regions).orderBy(regions.createdAt, regions.name);
      return { version: state?.version ?? 0, regions: rows.map(fromRow) };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

export async function readVersion(db: Db): Promise<number> {
  const [state] = await db.select().from(catalogState).where(eq(catalogState.id, 1));
  return state?.version ?? 0;
}

/**
 * Opens a write: bumps the catalogue version, which takes the row lock that serialises
 * writers until commit, and tells other instances through NOTIFY (delivered at commit).
 */
export async function beginWrite(tx: Tx, notify: boolean): Promise<number> {
  const [state] = await tx
    .insert(catalogState)
    .values({ id: 1, version: 1 })
    .onConflictDoUpdate({ target: catalogState.id, set: { version: sql`${catalogState.version} + 1` } })
    .returning();
  const version = state?.version ?? 1;
  if (notify) await tx.execute(sql`select pg_notify(${notifyChannel}, ${String(version)})`);
  return version;
}

export async function findByName(tx: Tx, name: string): Promise<Region | null> {
  const [row] = await tx.select().from(regions).where(eq(regions.name, name));
  return row ? fromRow(row) : null;
}

export async function findByUid(tx: Tx, uid: string): Promise<Region | null> {
  const [row] = await tx.select().from(regions).where(eq(regions.uid, uid));
  return row ? fromRow(row) : null;
}

/** Canonical fields → column values: the one place where stored values differ from canonical ones. */
export function toRow<T extends RegionChanges>(values: T): T {
  return values;
}

export async function insertRegion(tx: Tx, input: RegionInput): Promise<Region> {
  const [row] = await tx.insert(regions).values(toRow(input)).returning();
  if (!row) throw new Error("insert returned no row");
  return fromRow(row);
}

export async function updateRegion(tx: Tx, name: string, changes: RegionChanges): Promise<Region> {
  const [row] = await tx
    .update(regions)
    .set({ ...toRow(changes), revision: sql`${regions.revision} + 1`, updatedAt: sql`now()` })
    .where(eq(regions.name, name))
    .returning();
  if (!row) throw new Error(`update found no region ${name}`);
  return fromRow(row);
}

/** Deletes a region and its whole subtree (the foreign key cascades); returns every deleted name. */
export async function deleteRegionTree(tx: Tx, name: string): Promise<string[]> {
  const subtree = await tx.execute<{ name: string }>(sql`
    with recursive sub(name) as (
      select name from regions where name = ${name}
      union
      select r.name from regions r join sub on r.parent_name = sub.name
    ) select name from sub`);
  await tx.delete(regions).where(eq(regions.name, name));
  return rowsOf<{ name: string }>(subtree).map((r) => r.name);
}

/** The chain of ancestors of `name`, nearest first (stops if the data already loops). */
export async function ancestorsOf(tx: Tx, name: string): Promise<string[]> {
  const result = await tx.execute<{ name: string }>(sql`
    with recursive up(name, parent, depth) as (
      select name, parent_name, 0 from regions where name = ${name}
      union
      select r.name, r.parent_name, up.depth + 1 from regions r join up on r.name = up.parent
      where up.depth < 10000
    ) select name from up order by depth`);
  return rowsOf<{ name: string }>(result).map((r) => r.name);
}

// postgres.js returns an array, PGlite an object with `rows`.
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
