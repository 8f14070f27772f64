import type { Command } from "commander";
import { loadCliConfig } from "../config.ts";
import { CliError, errorMessage, exitCodes, fetchOrFail } from "./helpers.ts";

/** A running gateway's admin API, for the CLI: one-line errors, exit codes as in helpers.ts. */
export interface GatewayTarget {
  url: string;
  token: string;
}

/** `--url` and `--token`, each defaulting to its environment variable (`RG_URL`, `RG_TOKEN`). */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option("--url <url>", "the gateway's base URL (default: $RG_URL)")
    .option("--token <token>", "an admin token (default: $RG_TOKEN; keeps it out of ps and shell history)");
}

/** The gateway a command talks to: its options first, then the environment; one-line error when missing. */
export function resolveTarget(o: { url?: string | undefined; token?: string | undefined }): GatewayTarget {
  const env = loadCliConfig();
  const url = o.url ?? env.url;
  const token = o.token ?? env.token;
  if (!url) throw new CliError("--url (or RG_URL) is required", exitCodes.usage);
  if (!token) throw new CliError("--token (or RG_TOKEN) is required", exitCodes.usage);
  return { url, token };
}

export async function callGateway(target: GatewayTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = `${target.url.replace(/\/+$/, "")}${path}`;
  const res = await fetchOrFail(url, {
    method,
    headers: { "X-Auth-Token": target.token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    const refused = res.status === 401 || res.status === 403;
    throw new CliError(`${method} ${path}: ${errorMessage(res.status, text)}`, refused ? exitCodes.usage : exitCodes.rejected);
  }
  return text ? JSON.parse(text) : null;
}
