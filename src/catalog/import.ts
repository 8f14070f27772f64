import type { Actor } from "../domain/principal.ts";
import type { Format, ParsedDocument, Rejection } from "../migration/document.ts";
import { type ImportMode, type ImportPlan, planImport } from "../migration/plan.ts";
import type { Catalog } from "./service.ts";
import type { WriteContext } from "./store.ts";

export interface ImportOptions {
  actor: Actor;
  mode: ImportMode;
  dryRun: boolean;
  newUid: () => string;
}

/** The answer to an import: what it did (or, for a dry run or a refused import, would do). */
export interface ImportReport {
  format: Format;
  mode: ImportMode;
  dry_run: boolean;
  /** true when a transaction committed changes */
  written: boolean;
  /** the catalogue version after the import */
  version: number;
  summary: { records: number; created: number; updated: number; unchanged: number; rejected: number };
  created: string[];
  updated: { name: string; fields: string[] }[];
  unchanged: string[];
  rejected: Rejection[];
}

/** Thrown inside the transaction to roll it back: the plan, made again under the lock, writes nothing. */
class NothingToWrite extends Error {
  constructor(readonly plan: ImportPlan) {
    super("import writes nothing");
  }
}

/** Thrown inside the transaction when the snapshot is behind the database: reload and plan again. */
class StaleSnapshot extends Error {
  constructor() {
    super("snapshot behind the database");
  }
}

/**
 * Imports a parsed document. Every record is checked first; then one transaction, holding the
 * writer lock, plans again against the catalogue exactly as it is at that version and writes
 * all of it, or nothing when any record is rejected. A dry run, and an import that would change
 * nothing, never open a write transaction (the catalogue version does not move).
 */
export async function importDocument(catalog: Catalog, parsed: ParsedDocument, o: ImportOptions): Promise<ImportReport> {
  const first = planImport(parsed, catalog.list(), o);
  if (o.dryRun || first.rejected.length > 0 || !writes(first)) return report(parsed, o, first, false, catalog.version);
  for (let attempt = 0; ; attempt++) {
    try {
      let applied = first;
      const version = await write(catalog, o.actor, async ({ version, regions }) => {
        // Under the lock the database is at version - 1; a snapshot at that version is exact
        // (another instance's commit may not have reached this one's snapshot yet).
        if (catalog.version !== version - 1) throw new StaleSnapshot();
        applied = planImport(parsed, catalog.list(), o);
        if (applied.rejected.length > 0 || !writes(applied)) throw new NothingToWrite(applied);
        await regions.insertMany(applied.creates);
        for (const u of applied.updates) await regions.update(u.before, u.changes);
        return version;
      });
      return report(parsed, o, applied, true, version);
    } catch (e) {
      if (e instanceof NothingToWrite) return report(parsed, o, e.plan, false, catalog.version);
      if (!(e instanceof StaleSnapshot) || attempt >= 5) throw e;
      await catalog.store.reload();
    }
  }
}

// The one call of Catalog.write for imports.
function write<T>(catalog: Catalog, actor: Actor, body: (w: WriteContext) => Promise<T>): Promise<T> {
  return catalog.store.write("import", actor, body);
}

const writes = (p: ImportPlan) => p.creates.length + p.updates.length > 0;

function report(parsed: ParsedDocument, o: ImportOptions, p: ImportPlan, written: boolean, version: number): ImportReport {
  return {
    format: parsed.format,
    mode: o.mode,
    dry_run: o.dryRun,
    written,
    version,
    summary: {
      records: parsed.records.length + parsed.rejected.length,
      created: p.creates.length,
      updated: p.updates.length,
      unchanged: p.unchanged.length,
      rejected: p.rejected.length,
    },
    created: p.creates.map((c) => c.name),
    updated: p.updates.map((u) => ({ name: u.name, fields: u.fields })),
    unchanged: p.unchanged,
    rejected: p.rejected,
  };
}
