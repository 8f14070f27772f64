import { CliError, errorMessage, exitCodes, fetchOrFail } from "./helpers.ts";

/** A running gateway's admin API, for the CLI: one-line errors, exit codes as in helpers.ts. */
export interface GatewayTarget {
  url: string;
  token: string;
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
