import type { Format, ParsedDocument, Rejection } from "./document.ts";
import type { ImportMode, ImportPlan } from "./plan.ts";

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

/** The report of `plan` for `parsed`, as applied (`written`) or not, at catalogue `version`. */
export function importReport(
  parsed: ParsedDocument,
  o: { mode: ImportMode; dryRun: boolean },
  p: ImportPlan,
  written: boolean,
  version: number,
): ImportReport {
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
