import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { inject } from "vitest";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { pgliteSettings } from "../../src/db/pglite.ts";
import { createSecretBox } from "../../src/domain/secret-box.ts";

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

const pgliteBackend: Backend = {
  name: "pglite",
  available: true,
  async open() {
    const dump = new Blob([readFileSync(inject("pgliteDump"))]);
    // the gateway's own memory settings (small buffers): quicker to open, and what it runs with
    const pglite = await PGlite.create({ loadDataDir: dump, postgresqlconf: pgliteSettings });
    const database = await openDatabase({ pglite });
    return { database, drop: () => database.close() };
  },
};

const postgresBackend: Backend = {
  name: "postgres",
  available: Boolean(adminUrl),
  async open() {
    if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
    const name = `rg_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: url.toString() });
    await database.migrate();
    return {
      database,
      url: url.toString(),
      async drop() {
        await database.close();
        const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
        await a.unsafe(`drop database if exists ${name} with (force)`);
        await a.end();
      },
    };
  },
};

/** Every suite that touches storage runs on each of these; PostgreSQL only when TEST_DATABASE_URL is set. */
export const backends: Backend[] = [pgliteBackend, postgresBackend];
