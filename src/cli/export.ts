import { type Command, Option } from "commander";
import { type Format, formats } from "../migration/document.ts";
import { resolveTarget } from "./gateway-client.ts";
import { action, CliError, errorMessage, exitCodes, fetchOrFail, usageExits, writeOutput } from "./helpers.ts";

interface ExportOptions {
  url?: string;
  token?: string;
  format: Format;
  output?: string;
  includeSecrets?: boolean;
}

/** `export [--url GW] [--token T] --format F [-o OUT] [--include-secrets]`: the gateway's `GET /admin/v1/export`. */
export function registerExport(program: Command): void {
  usageExits(
    program
      .command("export")
      .description("export a running gateway's catalogue as a region document")
      .option("--url <url>", "the gateway's base URL (default: $RG_URL)")
      .option("--token <token>", "an admin token (default: $RG_TOKEN; keeps it out of ps and shell history)")
      .addOption(new Option("--format <format>", "format of the document").choices(formats).makeOptionMandatory())
      .option("-o, --output <file>", "write the document here instead of standard output")
      .option("--include-secrets", "include token / key_file (Rainbond) and clientKey / regionToken (canonical)"),
  ).action(action(runExport));
}

export async function runExport(o: ExportOptions): Promise<number> {
  const { url: gateway, token } = resolveTarget(o);
  const url = new URL(`${gateway.replace(/\/+$/, "")}/admin/v1/export`);
  url.searchParams.set("format", o.format);
  if (o.includeSecrets) url.searchParams.set("include_secrets", "true");
  const res = await fetchOrFail(url.toString(), { headers: { "X-Auth-Token": token } });
  const text = await res.text();
  if (!res.ok) throw new CliError(`export refused: ${errorMessage(res.status, text)}`, exitCodes.usage);
  await writeOutput(o.output, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return exitCodes.ok;
}
