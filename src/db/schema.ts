import { sql } from "drizzle-orm";
import { bigint, foreignKey, integer, jsonb, pgTable, text, timestamp, varchar } from "drizzle-orm/pg-core";

/** One row per canonical region (see DESIGN.md's table). */
export const regions = pgTable(
  "regions",
  {
    uid: varchar({ length: 36 }).primaryKey(),
    name: varchar({ length: 255 }).notNull().unique(),
    alias: varchar({ length: 255 }).notNull(),
    locales: jsonb().$type<Record<string, string>>().notNull().default({}),
    description: varchar({ length: 255 }).notNull().default(""),
    scope: varchar({ length: 10 }).notNull().default("private"),
    status: varchar({ length: 16 }).notNull().default("editing"),
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
});

export type RegionRow = typeof regions.$inferSelect;
