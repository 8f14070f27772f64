import { type Command, Option } from "commander";
import { convertDocument } from "../migration/convert.ts";
import { DocumentError, type Format, formats } from "../migration/document.ts";
import { parseDocument, parseJsonText } from "../migration/parse.ts";
import { action, CliError, exitCodes, readInput, toJsonText, usageExits, writeOutput } from "./helpers.ts";

interface ConvertOptions {
  from: Format;
  to: Format;
  output?: string;
  baseUrl?: string;
  report?: string;
  includeSecrets?: boolean;
}

/**
 * `convert --from F --to F [FILE] [-o OUT] [--base-url URL] [--report REPORT.json] [--include-secrets]`:
 * offline, no gateway. Losses go to standard error (one line per region) and to the report.
 */
export function registerConvert(program: Command): void {
  usageExits(
    program
      .command("convert")
      .description("convert a region document between rainbond, keystone and canonical form (offline)")
      .argument("[file]", "the document; standard input when absent")
      .addOption(new Option("--from <format>", "format of the input").choices(formats).makeOptionMandatory())
      .addOption(new Option("--to <format>", "format of the output").choices(formats).makeOptionMandatory())
      .option("-o, --output <file>", "write the document here instead of standard output")
      .option("--base-url <url>", "base of Keystone links (default: relative links)")
      .option("--report <file>", "write a JSON report of losses and rejections here")
      .option("--include-secrets", "write token / key_file (Rainbond) and clientKey / regionToken (canonical)"),
  ).action(action(runConvert));
}

export async function runConvert(file: string | undefined, o: ConvertOptions): Promise<number> {
  const text = await readInput(file);
  const source = file && file !== "-" ? file : "standard input";
  let parsed: ReturnType<typeof parseDocument>;
  try {
    parsed = parseDocument(o.from, parseJsonText(text));
  } catch (e) {
    if (e instanceof DocumentError) throw new CliError(`${source}: ${e.message}`, exitCodes.rejected);
    throw e;
  }
  const baseUrl = (o.baseUrl ?? "").replace(/\/+$/, "");
  const result = convertDocument(parsed, o.to, { includeSecrets: Boolean(o.includeSecrets), baseUrl });
  const report = {
    from: o.from,
    to: o.to,
    regions: parsed.records.length + parsed.rejected.length,
    written: result.rejected.length === 0,
    losses: result.losses,
    rejected: result.rejected,
  };
  if (o.report) await writeOutput(o.report, toJsonText(report));
  if (result.rejected.length > 0) {
    for (const r of result.rejected) {
      process.stderr.write(`region-gateway: record ${r.index}${r.name === null ? "" : ` (${r.name})`} rejected: ${r.reason}\n`);
    }
    process.stderr.write(`region-gateway: ${result.rejected.length} record(s) rejected; nothing written\n`);
    return exitCodes.rejected;
  }
  for (const l of result.losses) {
    if (l.lost.length > 0) process.stderr.write(`${l.name}: ${o.to} cannot carry ${l.lost.join(", ")}\n`);
    if (l.withheld.length > 0)
      process.stderr.write(`${l.name}: secrets not written (${l.withheld.join(", ")}); use --include-secrets\n`);
  }
  await writeOutput(o.output, toJsonText(result.document));
  return exitCodes.ok;
}
