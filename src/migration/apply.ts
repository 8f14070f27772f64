import type { Catalog } from "../catalog/service.ts";
import type { WriteContext } from "../catalog/store.ts";
import type { Actor } from "../domain/principal.ts";
import type { ParsedDocument } from "./document.ts";
import { type ImportMode, type ImportPlan, planImport } from "./plan.ts";
import { type ImportReport, importReport } from "./report.ts";

/**
 * Applying an import plan to the catalogue: the one migration module that writes. The formats
 * beside it (detect, parse, render, plan, report) stay pure; the catalogue knows no format.
 */

export interface ImportOptions {
  actor: Actor;
  mode: ImportMode;
  dryRun: boolean;
  newUid: () => string;
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
  // the snapshot the first plan was made against: while it is still the one served, planning
  // again under the lock would give the same plan (a snapshot's regions never change in place)
  const seen = catalog.store.snapshot;
  const first = planImport(parsed, seen.list(), o);
  if (o.dryRun || first.rejected.length > 0 || !writes(first)) return importReport(parsed, o, first, false, catalog.version);
  for (let attempt = 0; ; attempt++) {
    try {
      let applied = first;
      const version = await write(catalog, o.actor, async ({ version, regions }) => {
        // Under the lock the database is at version - 1; a snapshot at that version is exact
        // (another instance's commit may not have reached this one's snapshot yet).
        if (catalog.version !== version - 1) throw new StaleSnapshot();
        applied = catalog.store.snapshot === seen ? first : planImport(parsed, catalog.list(), o);
        if (applied.rejected.length > 0 || !writes(applied)) throw new NothingToWrite(applied);
        await regions.insertMany(applied.creates);
        for (const u of applied.updates) await regions.update(u.before, u.changes);
        return version;
      });
      return importReport(parsed, o, applied, true, version);
    } catch (e) {
      if (e instanceof NothingToWrite) return importReport(parsed, o, e.plan, false, catalog.version);
      if (!(e instanceof StaleSnapshot) || attempt >= 5) throw e;
      await catalog.store.reload();
    }
  }
}

// The one unit of work of imports: a plain write of the store (no region verb: the plan has
// checked every record), whose audit entries show certificates by their digest.
function write<T>(catalog: Catalog, actor: Actor, body: (w: WriteContext) => Promise<T>): Promise<T> {
  return catalog.store.write("import", actor, body, { certificates: "digest" });
}

const writes = (p: ImportPlan) => p.creates.length + p.updates.length > 0;
