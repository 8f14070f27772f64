import { sql } from "drizzle-orm";
import { bigint, boolean, foreignKey, index, integer, jsonb, pgTable, text, timestamp, varchar } from "drizzle-orm/pg-core";
import type { Credential, CredentialRole, CredentialType } from "../domain/credential.ts";
import type { Region, RegionScope, RegionStatus } from "../domain/region.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

/** One row per canonical region (see the table in docs/design.md). */
export const regions = pgTable(
  "regions",
  {
    uid: varchar({ length: 36 }).primaryKey(),
    name: varchar({ length: 255 }).notNull().unique(),
    alias: varchar({ length: 255 }).notNull(),
    locales: jsonb().$type<Record<string, string>>().notNull().default({}),
    description: varchar({ length: 255 }).notNull().default(""),
    scope: varchar({ length: 10 }).$type<RegionScope>().notNull().default("private"),
    status: varchar({ length: 16 }).$type<RegionStatus>().notNull().default("editing"),
    parentName: varchar({ length: 255 }),
    apiUrl: text().notNull().default(""),
    wsUrl: text().notNull().default(""),
    httpDomain: text().notNull().default(""),
    tcpDomain: text().notNull().default(""),
    caCert: text(),
    clientCert: text(),
    clientKey: text(),
    regionToken: text(),
    enterpriseId: varchar({ length: 36 }),
    extra: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    revision: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true, mode: "string" }).notNull().default(sql`now()`),
    updatedAt: timestamp({ withTimezone: true, mode: "string" }).notNull().default(sql`now()`),
  },
  (t) => [
    // The database itself refuses an unknown parent and cascades a delete to the children,
    // as Keystone does.
    foreignKey({ columns: [t.parentName], foreignColumns: [t.name], name: "regions_parent_fk" }).onDelete("cascade"),
  ],
);

/**
 * A single row whose version is bumped by every write transaction. The row lock serialises
 * writers (so hierarchy checks cannot race) and the number tells readers whether their
 * snapshot is current.
 */
export const catalogState = pgTable("catalog_state", {
  id: integer().primaryKey(),
  version: bigint({ mode: "number" }).notNull(),
  /** when the writer of `version` took the lock (the database's clock): other instances measure how long the change took to reach them */
  changedAt: timestamp({ withTimezone: true, mode: "string" }),
});

/**
 * What each catalogue version changed, written by its write transaction (PostgreSQL only: other
 * instances read it to load only those regions). One row per version, so a version missing from
 * the log (a write made without it, or pruned) is seen and answered with a whole reload. Pruned by
 * the writers: the last `changeLogKept` versions are kept (see regions-repo.ts).
 */
export const catalogChanges = pgTable("catalog_changes", {
  version: bigint({ mode: "number" }).primaryKey(),
  /** the names of the regions created, updated or deleted; null: too many to list, reload them all */
  regions: text().array(),
  /** credentials or token revocations changed too */
  identity: boolean().notNull().default(false),
  /**
   * catalog_state.changed_at of this version: with the version, it names one write. A database
   * that went back (a restore, a failover to a replica that had not received the last commits)
   * gives the same version numbers to other writes: an instance that finds another write under
   * the version it holds reads the whole catalogue.
   */
  changedAt: timestamp({ withTimezone: true, mode: "string" }),
});

export type RegionRow = typeof regions.$inferSelect;

/**
 * Compile-time check: a regions row is exactly the domain's `Region`, field for field (values
 * differ only where the codec in regions-repo.ts says: sealed secrets, timestamps' text).
 */
export type RegionRowIsRegion = Assert<Same<RegionRow, Region>>;

/**
 * Credentials. Secrets are never stored in the clear: `secretHash` is SHA-256 of a bearer token
 * or a salted scrypt hash of a password; `sealedSecret` is an access key's SK under AES-256-GCM.
 */
export const credentials = pgTable("credentials", {
  id: varchar({ length: 40 }).primaryKey(),
  type: varchar({ length: 16 }).$type<CredentialType>().notNull(),
  name: varchar({ length: 255 }).notNull(),
  role: varchar({ length: 16 }).$type<CredentialRole>().notNull(),
  privateRegions: jsonb().$type<string[]>().notNull().default([]),
  enterpriseId: varchar({ length: 36 }),
  expiresAt: timestamp({ withTimezone: true, mode: "string" }),
  userName: varchar({ length: 255 }).unique(),
  accessKey: varchar({ length: 64 }).unique(),
  secretHash: text(),
  sealedSecret: text(),
  createdAt: timestamp({ withTimezone: true, mode: "string" }).notNull().default(sql`now()`),
  revokedAt: timestamp({ withTimezone: true, mode: "string" }),
});

/** Revoked Keystone tokens (issued tokens are signed, not stored); kept until they would expire. */
export const tokenRevocations = pgTable("token_revocations", {
  tokenId: varchar({ length: 64 }).primaryKey(),
  expiresAt: timestamp({ withTimezone: true, mode: "string" }).notNull(),
});

/** Who changed what: written in the same transaction as the change. Secrets are redacted. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true, mode: "string" }).notNull().default(sql`now()`),
    actorId: varchar({ length: 40 }).notNull(),
    actorName: varchar({ length: 255 }).notNull(),
    dialect: varchar({ length: 16 }).notNull(), // rainbond | keystone | admin
    action: varchar({ length: 32 }).notNull(), // region.create | region.update | region.delete | credential.create | credential.revoke
    subject: varchar({ length: 255 }).notNull(),
    before: jsonb(),
    after: jsonb(),
  },
  (t) => [index("audit_log_subject_idx").on(t.subject, t.id)],
);

export type CredentialRow = typeof credentials.$inferSelect;

/** Compile-time check: a credentials row is exactly the domain's `Credential`, field for field. */
export type CredentialRowIsCredential = Assert<Same<CredentialRow, Credential>>;
