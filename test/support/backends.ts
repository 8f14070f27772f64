import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { inject } from "vitest";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { pgliteSettings } from "../../src/db/pglite.ts";
import { createSecretBox } from "../../src/domain/secret-box.ts";
import { throwAwayDatabase } from "./throwaway-database.ts";

/** The key every test catalogue seals its secrets with. */
export const testSecretBox = createSecretBox(Buffer.alloc(32, 7));

/** A fresh, migrated, throw-away database on one backend. */
export interface TestDatabase {
  database: Database;
  /** postgres:// URL of this throw-away database (PostgreSQL only) */
  url?: string;
  drop(): Promise<void>;
}

export interface Backend {
  name: "pglite" | "postgres";
  /** false when the backend is not configured on this machine: its suites are skipped */
  available: boolean;
  open(): Promise<TestDatabase>;
}

const adminUrl = process.env.TEST_DATABASE_URL;

/**
 * Everything a suite could change in a database but its rows, in one query: its own objects
 * (every object made after initdb has an OID of 16384 or more; every engine here is a copy of one
 * dump, so the same objects have the same OIDs): relations, columns, defaults, constraints,
 * indexes, functions, triggers, types, schemas, extensions, where each sequence stands, the
 * migrations recorded as applied; and the databases and roles. An emptied engine is handed out
 * again only when this is what a fresh copy of the dump has.
 */
const fingerprintQuery = `select md5(string_agg(x, E'\\n' order by x)) as f from (
  select format('class %s %s %s %s %s %s', oid, relnamespace, relname, relkind, relpersistence, relnatts) as x from pg_class where oid >= 16384
  union all select format('column %s %s %s %s %s %s %s', attrelid, attnum, attname, atttypid, atttypmod, attnotnull, attisdropped)
    from pg_attribute where attrelid >= 16384 and attnum > 0
  union all select format('default %s %s', oid, adbin::text) from pg_attrdef
  union all select format('constraint %s %s %s %s %s', oid, conrelid, conname, contype, conbin::text) from pg_constraint where oid >= 16384
  union all select format('index %s %s %s', indexrelid, indkey, indisunique) from pg_index where indexrelid >= 16384
  union all select format('function %s %s %s', oid, proname, md5(prosrc)) from pg_proc where oid >= 16384
  union all select format('trigger %s %s %s', oid, tgrelid, tgname) from pg_trigger where oid >= 16384
  union all select format('type %s %s', oid, typname) from pg_type where oid >= 16384
  union all select format('schema %s %s', oid, nspname) from pg_namespace where oid >= 16384
  union all select format('extension %s %s', oid, extname) from pg_extension
  union all select format('sequence %s %s %s', schemaname, sequencename, last_value) from pg_sequences
  union all select format('database %s %s', oid, datname) from pg_database
  union all select format('role %s %s', oid, rolname) from pg_roles
  union all select format('migration %s %s %s', id, hash, created_at) from drizzle.__drizzle_migrations
) objects`;
const fingerprint = async (pglite: PGlite) => (await pglite.query<{ f: string }>(fingerprintQuery)).rows[0]?.f;

/**
 * The PGlite engines this worker has opened and its suites have dropped, emptied back to the
 * migrated state: the next suite on PGlite takes one rather than opening a new engine from the
 * dump, which costs about 0.3 s of CPU each time (the dump and PGlite's own files unpacked in
 * memory, the WASM instance set up); emptying one takes milliseconds. A suite still gets a
 * database of its own, with nothing in it from the suite before: every table is truncated (its
 * identity sequences restarted), the session reset (DISCARD ALL), and an engine whose schema,
 * sequences or recorded migrations differ from a fresh copy's afterwards is closed, not reused.
 */
const idlePglite: PGlite[] = [];
/**
 * At most this many wait (a suite rarely holds more than two at once; each is ~160 MiB of memory,
 * and a worker's memory makes every process it starts slower to fork).
 */
const maxIdlePglite = 2;
let freshFingerprint: string | undefined;

/** Empties a dropped suite's engine; true when it is now as a fresh copy of the dump is. */
async function emptied(pglite: PGlite): Promise<boolean> {
  try {
    await pglite.exec("DISCARD ALL");
    const tables = (
      await pglite.query<{ name: string }>(
        "select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname = 'public'",
      )
    ).rows.map((r) => r.name);
    if (tables.length > 0) await pglite.exec(`truncate ${tables.join(", ")} restart identity cascade`);
    return (await fingerprint(pglite)) === freshFingerprint;
  } catch {
    return false;
  }
}

async function takePglite(): Promise<PGlite> {
  const idle = idlePglite.pop();
  if (idle) return idle;
  const dump = new Blob([readFileSync(inject("pgliteDump"))]);
  // the gateway's own memory settings (small buffers): quicker to open, and what it runs with
  const pglite = await PGlite.create({ loadDataDir: dump, postgresqlconf: pgliteSettings });
  freshFingerprint ??= await fingerprint(pglite);
  return pglite;
}

/**
 * The engine as one suite sees it: closing it gives it back (emptied) instead of closing it, and
 * once given back it answers as a closed PGlite does, so a suite that is done (or that stopped its
 * database to see what the gateway does then) cannot reach the next one's data.
 */
function lease(pglite: PGlite): PGlite {
  // openDatabase wraps the text serializers: put back PGlite's own each time
  const serializers = { ...pglite.serializers };
  let released = false;
  const giveBack = async () => {
    if (released) return;
    released = true;
    Object.assign(pglite.serializers, serializers);
    if (idlePglite.length < maxIdlePglite && (await emptied(pglite))) idlePglite.push(pglite);
    else await pglite.close();
  };
  return new Proxy(pglite, {
    get(target, key) {
      if (key === "close") return giveBack;
      if (key === "closed") return released || target.closed;
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      // as a closed PGlite answers (the suites that stop the database mid-way rely on it)
      if (released) return () => Promise.reject(new Error("PGlite is closed"));
      return value.bind(target);
    },
  });
}

const pgliteBackend: Backend = {
  name: "pglite",
  available: true,
  async open() {
    const database = await openDatabase({ pglite: lease(await takePglite()) });
    return { database, drop: () => database.close() };
  },
};

const postgresBackend: Backend = {
  name: "postgres",
  available: Boolean(adminUrl),
  async open() {
    if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
    const place = await throwAwayDatabase(adminUrl, "rg_test");
    const database = await openDatabase({ databaseUrl: place.url });
    await database.migrate();
    return {
      database,
      url: place.url,
      async drop() {
        await database.close();
        await place.drop();
      },
    };
  },
};

/** Every suite that touches storage runs on each of these; PostgreSQL only when TEST_DATABASE_URL is set. */
export const backends: Backend[] = [pgliteBackend, postgresBackend];
