import { eq, type SQL, sql } from "drizzle-orm";
import { compactCertificates } from "../domain/compact-pem.ts";
import { type Region, type RegionChanges, type RegionInput, secretFields } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import type { BulkDriver, Db } from "./client.ts";
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

let lastStamp = "";
let lastIso = "";
/** A timestamp as ISO 8601; the last one remembered (a bulk insert's rows all share their transaction's). */
const iso = (t: string): string => {
  if (t !== lastStamp) {
    lastIso = new Date(t).toISOString();
    lastStamp = t;
  }
  return lastIso;
};

/**
 * A region from its stored values with its secrets already open (a row is a Region field for
 * field: checked at compile time in schema.ts). The one place a Region is built from storage:
 * every path (a load, a write's returned row, a bulk insert) gives the same values, key order
 * included (rendered answers and their ETags depend on it), its certificates and key held as
 * bytes when they are canonical PEM (compactCertificates: the snapshot holds every region; a
 * bulk insert's regions are packed by the store once the import has answered).
 */
function regionOf(row: RegionRow, clientKey: string | null, regionToken: string | null): Region {
  return compactCertificates(plainRegionOf(row, clientKey, regionToken));
}

/** regionOf, its certificates as text (an import's: packed once it has answered, see CatalogStore.packSoon). */
function plainRegionOf(row: RegionRow, clientKey: string | null, regionToken: string | null): Region {
  return {
    uid: row.uid,
    name: row.name,
    alias: row.alias,
    locales: row.locales,
    description: row.description,
    scope: row.scope,
    status: row.status,
    parentName: row.parentName,
    apiUrl: row.apiUrl,
    wsUrl: row.wsUrl,
    httpDomain: row.httpDomain,
    tcpDomain: row.tcpDomain,
    caCert: row.caCert,
    clientCert: row.clientCert,
    clientKey,
    regionToken,
    enterpriseId: row.enterpriseId,
    extra: row.extra,
    revision: row.revision,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

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
      return regionOf(row, open(row.clientKey), open(row.regionToken));
    },
  };
}

/**
 * Every region and the catalogue version they belong to, read in one snapshot (the caller's
 * repeatable-read transaction), in catalogue order (creation time, then name).
 *
 * The order comes from a query over the names alone (the database sorts kilobytes, not rows);
 * the rows then come in pages of names, each row as one JSON text rather than as twenty-one
 * fields: a tenth of the protocol messages, parsers and allocations, on both drivers. A driver
 * holds a whole answer while it reads it (PGlite three copies): pages keep that to a few MiB
 * whatever the catalogue's size.
 */
export async function loadRegions(tx: Tx, codec: RegionCodec, pageSize = 1000): Promise<{ version: number; regions: Region[] }> {
  const [state] = await tx.select().from(catalogState).where(eq(catalogState.id, 1));
  const names = rowsOf<{ name: string }>(await tx.execute(sql`select name from regions order by created_at, name`)).map(
    (r) => r.name,
  );
  const loaded: Region[] = [];
  for (let i = 0; i < names.length; i += pageSize) {
    const page = names.slice(i, i + pageSize);
    const rows = rowsOf<{ json: string }>(
      await tx.execute(sql`
        select row_to_json(r)::text as json from regions r
        where r.name = any(array(select json_array_elements_text(${JSON.stringify(page)}::json)))`),
    );
    const byName = new Map<string, Region>();
    for (const { json } of rows) {
      const region = codec.fromRow(rowOfJson(JSON.parse(json) as SnakeRow));
      byName.set(region.name, region);
    }
    for (const name of page) {
      const region = byName.get(name);
      if (region) loaded.push(region);
    }
  }
  return { version: state?.version ?? 0, regions: loaded };
}

export async function readVersion(db: Db | Tx): Promise<number> {
  const [state] = await db.select().from(catalogState).where(eq(catalogState.id, 1));
  return state?.version ?? 0;
}

/**
 * What names one write, with its version: the time its writer took the lock (catalog_state's
 * changed_at, in microseconds since 1970, as text). Null where changed_at is (a version written
 * before migration 0002, or a log entry not written by a gateway).
 */
const stampOf = (changedAt: SQL) => sql`(extract(epoch from ${changedAt}) * 1000000)::bigint::text`;

/**
 * The catalogue version, its stamp (see stampOf) and how long ago (milliseconds, on the database's
 * clock, so no two machines' clocks are compared) its writer took the lock; null before the first write.
 */
export async function readChangeAge(db: Db | Tx): Promise<{ version: number; stamp: string | null; ageMs: number | null }> {
  const [state] = await db
    .select({
      version: catalogState.version,
      stamp: sql<string | null>`${stampOf(sql`${catalogState.changedAt}`)}`,
      ageMs: sql<number | null>`extract(epoch from clock_timestamp() - ${catalogState.changedAt}) * 1000`.mapWith(Number),
    })
    .from(catalogState)
    .where(eq(catalogState.id, 1));
  return { version: state?.version ?? 0, stamp: state?.stamp ?? null, ageMs: state?.ageMs ?? null };
}

/**
 * Opens a write: bumps the catalogue version, which takes the row lock that serialises
 * writers until commit, and tells other instances through NOTIFY (delivered at commit), in one
 * statement (the lock is held from here to the commit: each round trip in it is one every other
 * writer waits for).
 */
export async function beginWrite(tx: Tx, notify: boolean): Promise<{ version: number; stamp: string }> {
  const bumped = sql`insert into catalog_state (id, version, changed_at) values (1, 1, clock_timestamp())
    on conflict (id) do update set version = catalog_state.version + 1, changed_at = clock_timestamp()
    returning version, changed_at`;
  const notified = notify ? sql`, pg_notify(${notifyChannel}, version::text)` : sql``;
  const result = await tx.execute(
    sql`with bumped as (${bumped}) select version, ${stampOf(sql`changed_at`)} as stamp${notified} from bumped`,
  );
  const [state] = rowsOf<{ version: number | string; stamp: string }>(result);
  if (!state) throw new Error("the catalogue version was not bumped");
  return { version: Number(state.version), stamp: state.stamp };
}

/** How many versions the change log keeps: an instance further behind than this reloads everything. */
export const changeLogKept = 1000;
/** The log is pruned by the write of every this-many-th version (one row per write otherwise). */
const pruneEvery = 100;

/**
 * Records what version `version` changed (see schema.ts, catalogChanges): the names of the regions
 * it created, updated or deleted (null when there are too many to list: readers reload everything)
 * and whether identity data changed, with the version's changed_at (what tells this write from
 * another given the same version by a database that went back). Every `pruneEvery`-th version
 * also drops the entries older than the last `changeLogKept`, in the same statement.
 */
export async function recordChange(tx: Tx, version: number, names: string[] | null, identity: boolean): Promise<void> {
  const list = names === null ? sql`null` : sql`array(select json_array_elements_text(${JSON.stringify(names)}::json))`;
  const insert = sql`insert into catalog_changes (version, regions, identity, changed_at)
    select ${version}, ${list}, ${identity}, changed_at from catalog_state where id = 1`;
  if (version % pruneEvery !== 0) {
    await tx.execute(insert);
    return;
  }
  await tx.execute(sql`with pruned as (delete from catalog_changes where version <= ${version - changeLogKept}) ${insert}`);
}

/** What changed after a version, as `readChangesSince` reads it. */
export interface ChangesSince {
  /** the catalogue version the read saw (0 before the first write) */
  version: number;
  /** its stamp (see stampOf) */
  stamp: string | null;
  /** how long ago (ms, the database's clock) the writer of `version` took the lock; null before the first write */
  ageMs: number | null;
  /**
   * the log holds the version asked for under the stamp given (the same write: the database did
   * not go back) and every version after it, none of them too large to list: `regions` and
   * `removed` then bring a snapshot at that version to `version`
   */
  complete: boolean;
  /** credentials or revocations changed in those versions */
  identity: boolean;
  /** the regions named by those versions, as they are at `version`, in catalogue order */
  regions: Region[];
  /** the names those versions changed that no region has any more (deleted) */
  removed: string[];
}

/**
 * The catalogue's changes after version `since`, in one statement (one snapshot of the database,
 * one round trip): the current version, the change log's entries after `since`, and the rows of
 * the regions they name, as `loadRegions` reads them (row_to_json). The names reach the regions
 * table as an array (`= any(array(…))`): one index lookup each, where `in (select …)` is planned
 * as a hash join over every region (a scan of the whole table for each remote write).
 */
export async function readChangesSince(
  db: Db | Tx,
  codec: RegionCodec,
  since: number,
  sinceStamp: string | null,
): Promise<ChangesSince> {
  const result = await db.execute(sql`
    with state as (
      select version, changed_at, extract(epoch from clock_timestamp() - changed_at) * 1000 as age_ms
      from catalog_state where id = 1
    ), log as (
      select c.version, c.regions, c.identity from catalog_changes c, state
      where c.version > ${since} and c.version <= state.version
    ), named as (
      select distinct unnest(regions) as name from log
    )
    select state.version::text as version, ${stampOf(sql`state.changed_at`)} as stamp, state.age_ms::float8 as age_ms,
      (select ${stampOf(sql`changed_at`)} from catalog_changes where version = ${since}) as since_stamp,
      (select count(*) from log)::int as entries,
      coalesce((select bool_or(regions is null) from log), false) as whole,
      coalesce((select bool_or(identity) from log), false) as identity,
      coalesce((select json_agg(name)::text from named), '[]') as names,
      coalesce((select json_agg(row_to_json(r) order by r.created_at, r.name)::text
        from regions r where r.name = any(array(select name from named))), '[]') as rows
    from state`);
  const [row] = rowsOf<{
    version: string;
    stamp: string | null;
    since_stamp: string | null;
    age_ms: number | null;
    entries: number;
    whole: boolean;
    identity: boolean;
    names: string;
    rows: string;
  }>(result);
  if (!row) return { version: 0, stamp: null, ageMs: null, complete: since === 0, identity: false, regions: [], removed: [] };
  const version = Number(row.version);
  const regions = (JSON.parse(row.rows) as SnakeRow[]).map((r) => codec.fromRow(rowOfJson(r)));
  const present = new Set(regions.map((r) => r.name));
  // the same write under `since` here and there (nothing to compare before the first write)
  const sameSince = since === 0 || (sinceStamp !== null && row.since_stamp === sinceStamp);
  return {
    version,
    stamp: row.stamp,
    ageMs: row.age_ms === null ? null : Number(row.age_ms),
    complete: sameSince && !row.whole && row.entries === version - since,
    identity: row.identity,
    regions,
    removed: (JSON.parse(row.names) as string[]).filter((n) => !present.has(n)),
  };
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
  /** regions inserted in bulk, their certificates still text (the store packs them: CatalogStore.packSoon) */
  readonly unpacked: Region[] = [];

  constructor(
    readonly tx: Tx,
    private readonly codec: RegionCodec,
    /** how bulk statements reach the driver (Database.bulk) */
    private readonly bulk: BulkDriver,
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
   * Inserts many regions (bulk imports): each chunk of 250 is one `insert … values` statement
   * with a parameter per value, sent to the driver itself (BulkDriver): the same text for every
   * chunk, so postgres.js prepares it once, and planned generically (a plan made for the values
   * would copy every certificate into it). Nothing is parsed twice: not JSON in the gateway, not
   * JSON in the database. While the database runs one chunk the next one is sealed and sent.
   * Only what the database decides comes back (timestamps, revision, and the JSON columns as
   * jsonb normalises them); the regions are built from the inputs, which share their strings.
   * A parent must come before its children in `inputs`, or be in the same chunk: foreign keys
   * are checked per statement.
   */
  async insertMany(inputs: readonly RegionInput[], chunkSize = 250): Promise<Region[]> {
    const created: Region[] = [];
    if (inputs.length === 0) return created;
    await this.tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
    const collect = (chunk: readonly RegionInput[], rows: Record<string, unknown>[]) => {
      const stored = new Map((rows as unknown as StoredPart[]).map((r) => [r.name, r]));
      for (const input of chunk) {
        const part = stored.get(input.name);
        if (!part) throw new Error(`insert returned no row for ${input.name}`);
        const row: RegionRow = {
          ...input,
          locales: part.locales,
          extra: part.extra,
          revision: part.revision,
          createdAt: part.created_at,
          updatedAt: part.updated_at,
        };
        // the certificates as the document gave them: the store packs them once the import has answered
        const region = plainRegionOf(row, input.clientKey, input.regionToken);
        this.changes.push({ action: "region.create", subject: region.name, before: null, after: region });
        this.unpacked.push(region);
        created.push(region);
      }
    };
    // one statement in flight while the next is made: a failure is seen when it is awaited (the
    // statements after it fail too: the transaction is aborted)
    let previous: { chunk: readonly RegionInput[]; rows: Promise<Record<string, unknown>[]> } | null = null;
    for (let i = 0; i < inputs.length; i += chunkSize) {
      const chunk = inputs.slice(i, i + chunkSize);
      const rows = this.bulk.query(this.tx, insertStatement(chunk.length), this.insertParams(chunk));
      rows.catch(() => {});
      if (previous) collect(previous.chunk, await previous.rows);
      previous = { chunk, rows };
    }
    if (previous) collect(previous.chunk, await previous.rows);
    return created;
  }

  /** The values of `chunk` in insertColumns order, the secrets sealed. */
  private insertParams(chunk: readonly RegionInput[]): unknown[] {
    const params: unknown[] = new Array(chunk.length * insertColumns.length);
    const long = (v: string | null) => (v === null ? null : this.bulk.longText(v));
    let at = 0;
    for (const input of chunk) {
      const row = this.codec.toRow(input);
      params[at++] = row.uid;
      params[at++] = row.name;
      params[at++] = row.alias;
      params[at++] = JSON.stringify(row.locales);
      params[at++] = row.description;
      params[at++] = row.scope;
      params[at++] = row.status;
      params[at++] = row.parentName;
      params[at++] = row.apiUrl;
      params[at++] = row.wsUrl;
      params[at++] = row.httpDomain;
      params[at++] = row.tcpDomain;
      params[at++] = long(row.caCert);
      params[at++] = long(row.clientCert);
      params[at++] = long(row.clientKey);
      params[at++] = long(row.regionToken);
      params[at++] = row.enterpriseId;
      params[at++] = JSON.stringify(row.extra);
    }
    return params;
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

/** The columns a bulk insert writes (the database fills revision and the timestamps). */
const insertColumns = [
  "uid",
  "name",
  "alias",
  "locales",
  "description",
  "scope",
  "status",
  "parent_name",
  "api_url",
  "ws_url",
  "http_domain",
  "tcp_domain",
  "ca_cert",
  "client_cert",
  "client_key",
  "region_token",
  "enterprise_id",
  "extra",
];

const insertStatements = new Map<number, string>();
/** `insert into regions (…) values ($1, …), … returning …` for `rows` rows (made once per size). */
function insertStatement(rows: number): string {
  let text = insertStatements.get(rows);
  if (text === undefined) {
    const n = insertColumns.length;
    const tuples = Array.from({ length: rows }, (_, r) => `(${insertColumns.map((_, c) => `$${r * n + c + 1}`).join(", ")})`);
    text =
      `insert into regions (${insertColumns.join(", ")}) values ${tuples.join(", ")} ` +
      "returning name, locales, extra, revision, created_at::text as created_at, updated_at::text as updated_at";
    insertStatements.set(rows, text);
  }
  return text;
}

/** What a bulk insert reads back. */
interface StoredPart {
  name: string;
  locales: Record<string, string>;
  extra: Record<string, unknown>;
  revision: number;
  created_at: string;
  updated_at: string;
}

// postgres.js returns an array, PGlite an object with `rows`.
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** A regions row as row_to_json writes it. */
type SnakeRow = {
  uid: string;
  name: string;
  alias: string;
  locales: Record<string, string>;
  description: string;
  scope: Region["scope"];
  status: Region["status"];
  parent_name: string | null;
  api_url: string;
  ws_url: string;
  http_domain: string;
  tcp_domain: string;
  ca_cert: string | null;
  client_cert: string | null;
  client_key: string | null;
  region_token: string | null;
  enterprise_id: string | null;
  extra: Record<string, unknown>;
  revision: number;
  created_at: string;
  updated_at: string;
};

function rowOfJson(r: SnakeRow): RegionRow {
  return {
    uid: r.uid,
    name: r.name,
    alias: r.alias,
    locales: r.locales,
    description: r.description,
    scope: r.scope,
    status: r.status,
    parentName: r.parent_name,
    apiUrl: r.api_url,
    wsUrl: r.ws_url,
    httpDomain: r.http_domain,
    tcpDomain: r.tcp_domain,
    caCert: r.ca_cert,
    clientCert: r.client_cert,
    clientKey: r.client_key,
    regionToken: r.region_token,
    enterpriseId: r.enterprise_id,
    extra: r.extra,
    revision: r.revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// A raw `select r.*` comes back with snake_case keys and driver-native timestamps.
function camelRow(raw: Record<string, unknown>): RegionRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v instanceof Date ? v.toISOString() : v;
  }
  return out as RegionRow;
}
