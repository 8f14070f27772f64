/** A small client for a running gateway's admin API, for the CLI: one-line errors, exit codes. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface GatewayTarget {
  url: string;
  token: string;
}

export async function callGateway(target: GatewayTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = `${target.url.replace(/\/+$/, "")}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { "X-Auth-Token": target.token, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, 2);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } } | null)?.error?.message ?? (text.slice(0, 200) || res.statusText);
    throw new CliError(`${method} ${path}: ${res.status} ${message}`, res.status === 401 || res.status === 403 ? 2 : 1);
  }
  return json;
}
