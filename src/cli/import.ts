import { type Command, Option } from "commander";
import { loadCliConfig } from "../config.ts";
import { type Format, formats } from "../migration/document.ts";
import { importModes } from "../migration/plan.ts";
import type { ImportReport } from "../migration/report.ts";
import { resolveTarget } from "./gateway-client.ts";
import {
  action,
  CliError,
  errorMessage,
  exitCodes,
  fetchOrFail,
  Progress,
  readInput,
  toJsonText,
  usageExits,
  writeOutput,
} from "./helpers.ts";
import { fetchSource, type SourceFormat } from "./source-helpers.ts";

interface ImportOptions {
  url?: string;
  token?: string;
  format?: Format;
  mode: (typeof importModes)[number];
  dryRun?: boolean;
  source?: string;
  sourceFormat?: SourceFormat;
  sourceToken?: string;
  report?: string;
}

/** Names listed per category before "… and N more". */
const listed = 50;

/**
 * `import [--url GW] [--token T] --format F FILE [--dry-run] [--mode upsert|create-only]`, or
 * `import [--url GW] [--token T] --source URL --source-format rainbond|keystone [--source-token T]`:
 * one call of the gateway's `POST /admin/v1/import`, all or nothing.
 */
export function registerImport(program: Command): void {
  usageExits(
    program
      .command("import")
      .description("import a region document (a file, standard input or a live catalogue) into a running gateway")
      .argument("[file]", "the document; standard input when absent (unless --source)")
      .option("--url <url>", "the gateway's base URL (default: $RG_URL)")
      .option("--token <token>", "an admin token (default: $RG_TOKEN; keeps it out of ps and shell history)")
      .addOption(new Option("--format <format>", "format of the document").choices(formats))
      .addOption(
        new Option("--mode <mode>", "upsert, or create-only (never change an existing region)")
          .choices(importModes)
          .default("upsert"),
      )
      .option("--dry-run", "report what would change; write nothing")
      .option("--source <url>", "read a live catalogue: a Rainbond console or gateway, or any Keystone / Huawei IAM")
      .addOption(new Option("--source-format <format>", "what --source speaks").choices(["rainbond", "keystone"]))
      .option("--source-token <token>", "the source's token (default: $RG_SOURCE_TOKEN)")
      .option("--report <file>", "write the gateway's JSON report here"),
  ).action(action(runImport));
}

export async function runImport(file: string | undefined, o: ImportOptions): Promise<number> {
  const { url: gateway, token } = resolveTarget(o);
  const progress = new Progress();
  let format: Format;
  let body: string;
  if (o.source) {
    if (file) throw new CliError("give either FILE or --source, not both", exitCodes.usage);
    if (!o.sourceFormat) throw new CliError("--source needs --source-format rainbond|keystone", exitCodes.usage);
    if (o.format && o.format !== o.sourceFormat)
      throw new CliError("--format must match --source-format (or be left out)", exitCodes.usage);
    format = o.sourceFormat;
    const doc = await fetchSource(o.source, o.sourceFormat, o.sourceToken ?? loadCliConfig().sourceToken, progress);
    body = JSON.stringify(doc);
  } else {
    if (!o.format) throw new CliError("--format is required (rainbond, keystone or canonical)", exitCodes.usage);
    format = o.format;
    body = await readInput(file);
  }

  const url = new URL(`${gateway.replace(/\/+$/, "")}/admin/v1/import`);
  url.searchParams.set("format", format);
  url.searchParams.set("mode", o.mode);
  url.searchParams.set("dry_run", o.dryRun ? "true" : "false");
  const bytes = Buffer.byteLength(body);
  const size = bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  progress.update(`${o.dryRun ? "checking" : "importing"} a ${format} document (${size}) at ${gateway}`);
  const res = await fetchOrFail(url.toString(), {
    method: "POST",
    headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
    body,
  });
  const text = await res.text();
  progress.end();
  if (res.status !== 200 && res.status !== 422) {
    // 400: the document itself was refused (broken JSON, wrong format); anything else is not the document's fault
    throw new CliError(
      `import refused: ${errorMessage(res.status, text)}`,
      res.status === 400 ? exitCodes.rejected : exitCodes.usage,
    );
  }
  let report: ImportReport;
  try {
    report = JSON.parse(text) as ImportReport;
  } catch {
    throw new CliError(`the gateway's answer is not JSON (${res.status})`, exitCodes.usage);
  }
  if (o.report) await writeOutput(o.report, toJsonText(report));
  printReport(report);
  return report.rejected.length > 0 ? exitCodes.rejected : exitCodes.ok;
}

function printReport(r: ImportReport): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const some = <T>(items: T[], show: (item: T) => string) => {
    for (const item of items.slice(0, listed)) out(show(item));
    if (items.length > listed) out(`  … and ${items.length - listed} more`);
  };
  for (const x of r.rejected) {
    process.stderr.write(`region-gateway: record ${x.index}${x.name === null ? "" : ` (${x.name})`} rejected: ${x.reason}\n`);
  }
  if (r.rejected.length > 0) {
    process.stderr.write(`region-gateway: ${r.rejected.length} record(s) rejected; nothing written\n`);
    return;
  }
  const verb = r.dry_run ? "would " : "";
  some(r.created, (name) => `${verb}create ${name}`);
  some(r.updated, (u) => `${verb}update ${u.name} (${u.fields.join(", ")})`);
  const s = r.summary;
  const tail = r.dry_run
    ? "dry run: nothing written"
    : r.written
      ? `written (catalogue version ${r.version})`
      : "nothing to write";
  out(`${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, 0 rejected; ${tail}`);
}
