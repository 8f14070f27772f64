import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite, PGliteInterface } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { TransactionSql } from "postgres";
import * as schema from "./schema.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** A change notification: another writer moved the catalogue to `version`. */
export type ChangeListener = (version: number) => void;

/**
 * Bulk statements (thousands of values: imports) sent to the driver itself. Drizzle's query
 * builder costs a few microseconds per parameter (0.7 s for the 180,000 parameters of a
 * 10,000-region import); these statements are written once per shape and their parameters passed
 * as they are.
 */
export interface BulkDriver {
  /**
   * Runs `text` with `params` in the transaction `tx` (a drizzle transaction of this database),
   * as a prepared statement where the driver keeps them (postgres.js: the same text is parsed and
   * planned once per connection). Returns its rows. Not awaited, it is already sent: a caller may
   * prepare the next statement while the database runs this one.
   */
  query(tx: unknown, text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * A long text (a certificate, a sealed key) as a parameter of a text column, in the form its
   * driver sends fastest: postgres.js takes the string; PGlite takes the UTF-8 bytes, sent in
   * binary format (for text, the bytes themselves), rather than a string it measures character by
   * character in JavaScript.
   */
  longText(text: string): unknown;
}

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  readonly bulk: BulkDriver;
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Cross-instance change notifications (PostgreSQL LISTEN); null where there is only one process.
   * `onListening` runs each time the listener is (re)connected.
   */
  listen(onChange: ChangeListener, onListening?: () => void): Promise<(() => Promise<void>) | null>;
  /** connections the pool may open, and transactions holding or waiting for one now */
  pool(): PoolStats;
  /**
   * Gives back the memory the database engine took for a large change, where it lives in this
   * process (PGlite: its WebAssembly memory only grows, so it is closed and opened again on the
   * same files; transactions wait meanwhile). Nothing to do on PostgreSQL.
   */
  recycle(): Promise<void>;
  close(): Promise<void>;
}

export interface PoolStats {
  max: number;
  /** transactions running or queued; above `max`, the rest wait for a connection */
  transactions: number;
}

/** Counts the transactions of `db` in flight: each holds a pooled connection (or waits for one). */
function countTransactions(db: Db, max: number): () => PoolStats {
  let transactions = 0;
  const begin = db.transaction.bind(db);
  db.transaction = (async (...args: Parameters<typeof begin>) => {
    transactions++;
    try {
      return await begin(...args);
    } finally {
      transactions--;
    }
  }) as typeof db.transaction;
  return () => ({ max, transactions });
}

export const notifyChannel = "region_gateway_catalog";

/** PostgreSQL's type ids of `text` and `varchar`. */
const textOid = 25;
const varcharOid = 1043;

/**
 * The driver's own client behind a drizzle transaction (drizzle keeps it as `session.client`:
 * postgres.js's transaction, PGlite's), checked to have the method a bulk statement calls.
 */
function driverOf<T>(tx: unknown, method: string): T {
  const client = (tx as { session?: { client?: Record<string, unknown> } }).session?.client;
  if (typeof client?.[method] !== "function") throw new Error(`the transaction's driver client has no ${method}()`);
  return client as T;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** where PGlite keeps its files; undefined keeps it in memory */
  dataDir?: string | undefined;
  /** an already opened PGlite (tests load a migrated copy) */
  pglite?: PGlite;
}

/**
 * Opens the database. Only the driver in use is loaded (the other one's code is never imported):
 * postgres.js for a DATABASE_URL, PGlite otherwise. A new PGlite data directory starts as a copy
 * of the migrated template the build made (see ./pglite.ts), not as an initdb.
 */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  if (options.pglite) return openPglite(options.pglite);
  const { createFromTemplate, createPglite } = await import("./pglite.ts");
  const dir = options.dataDir ? pgliteDir(options.dataDir) : undefined;
  let release = () => {};
  let client: PGlite;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    release = lockDataDir(options.dataDir);
  }
  try {
    if (options.dataDir && isNewDataDir(options.dataDir)) createFromTemplate(pgliteDir(options.dataDir));
    client = await createPglite(dir);
  } catch (e) {
    release();
    throw e;
  }
  // only a database kept in files can be opened again
  return openPglite(client, release, dir ? () => createPglite(dir) : undefined);
}

/** True when `dataDir` holds no embedded database yet: the first start creates one (the slow part). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(path.join(pgliteDir(dataDir), "PG_VERSION"));
}

const pgliteDir = (dataDir: string) => `${dataDir}/pglite`;

/**
 * PGlite is one process's database: a second process on the same files would lose writes.
 * A lock file holding the owner's pid refuses a second opener (a dead owner's lock is taken over).
 */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, "pglite.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(`${dataDir} is in use by another region-gateway process (pid ${owner}); stop it first`);
      }
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite behind the Database interface. `reopen`, when the files can be opened again, lets
 * `recycle` replace the engine: new transactions wait at the gate, the running ones finish, the
 * old engine is closed (its memory goes with it) and a new one opened on the same files.
 */
async function openPglite(first: PGlite, release: () => void = () => {}, reopen?: () => Promise<PGlite>): Promise<Database> {
  const [{ drizzle }, { migrate }] = await Promise.all([import("drizzle-orm/pglite"), import("drizzle-orm/pglite/migrator")]);
  let client = first;
  let db: Db;
  let begin: Db["transaction"];
  let transactions = 0;
  /** set while the engine is being replaced: every new transaction (and ping) waits for it */
  let gate: Promise<void> | null = null;
  let drained: (() => void) | null = null;
  const attach = (c: PGlite) => {
    client = c;
    // text parameters given as bytes go through as bytes (binary format: for text and varchar,
    // the text's UTF-8 bytes themselves)
    for (const oid of [textOid, varcharOid]) {
      const serialize = c.serializers[oid];
      c.serializers[oid] = (value: unknown) =>
        value instanceof Uint8Array ? (value as unknown as string) : serialize ? serialize(value) : String(value);
    }
    const next = drizzle({ client: c, schema, casing: "snake_case" }) as unknown as Db;
    begin = next.transaction.bind(next);
    // a caller may hold an older engine's db: its transactions too begin on the current engine
    next.transaction = (async (...args: Parameters<Db["transaction"]>) => {
      while (gate) await gate;
      transactions++;
      try {
        return await begin(...args);
      } finally {
        transactions--;
        if (transactions === 0) drained?.();
      }
    }) as Db["transaction"];
    db = next;
  };
  attach(first);
  return {
    kind: "pglite",
    get db() {
      return db;
    },
    pool: () => ({ max: 1, transactions }),
    bulk: {
      async query(tx, text, params) {
        const result = await driverOf<PGliteInterface>(tx, "query").query<Record<string, unknown>>(text, params as unknown[]);
        return result.rows;
      },
      longText: (text) => Buffer.from(text, "utf8"),
    },
    migrate: () => migrate(db as never, { migrationsFolder }),
    ping: async () => {
      while (gate) await gate;
      await client.query("select 1");
    },
    listen: async () => null,
    recycle: async () => {
      if (!reopen || gate || client.closed) return;
      let open = () => {};
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      try {
        if (transactions > 0) await new Promise<void>((resolve) => (drained = resolve));
        drained = null;
        await client.close();
        attach(await reopen());
      } finally {
        gate = null;
        open();
      }
    },
    close: async () => {
      while (gate) await gate;
      if (!client.closed) await client.close();
      release();
    },
  };
}

const postgresPoolSize = 10;

async function openPostgres(url: string): Promise<Database> {
  const [{ default: postgres }, { drizzle }, { migrate }] = await Promise.all([
    import("postgres"),
    import("drizzle-orm/postgres-js"),
    import("drizzle-orm/postgres-js/migrator"),
  ]);
  const sql = postgres(url, {
    max: postgresPoolSize,
    onnotice: () => {},
    connect_timeout: 5,
  });
  const db = drizzle({ client: sql, schema, casing: "snake_case" }) as unknown as Db;
  const pool = countTransactions(db, postgresPoolSize);
  let unlisten: (() => Promise<void>) | null = null;
  return {
    kind: "postgres",
    db,
    pool,
    bulk: {
      query(tx, text, params) {
        // .execute() sends it now (a postgres.js query otherwise waits to be awaited)
        return driverOf<TransactionSql>(tx, "unsafe")
          .unsafe<Record<string, unknown>[]>(text, params as never[], { prepare: true })
          .execute();
      },
      longText: (text) => text,
    },
    migrate: () => migrate(db as never, { migrationsFolder }),
    ping: async () => {
      await sql`select 1`;
    },
    recycle: async () => {},
    listen: async (onChange, onListening) => {
      const sub = await sql.listen(notifyChannel, (payload) => onChange(Number(payload)), onListening);
      unlisten = () => sub.unlisten();
      return unlisten;
    },
    close: async () => {
      // unlisten first: postgres.js otherwise keeps reconnecting the listener
      if (unlisten) await unlisten().catch(() => {});
      await sql.end({ timeout: 5 });
    },
  };
}
