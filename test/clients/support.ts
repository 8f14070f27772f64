import { spawn } from "node:child_process";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command with exactly the given environment (nothing inherited) and collects its output. */
export function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 45_000): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/** A JSON request to the gateway; throws on an unexpected status so set-up failures are loud. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; expect?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { "X-Auth-Token": opts.token } : {}),
      ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  if (opts.expect !== undefined && res.status !== opts.expect) {
    throw new Error(`${method} ${path}: expected ${opts.expect}, got ${res.status}: ${text}`);
  }
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Creates a region through the Keystone API as the admin. */
export const createKeystoneRegion = (base: string, admin: string, region: Record<string, unknown>) =>
  call(base, "POST", "/v3/regions", { token: admin, body: { region }, expect: 201 });

export interface CreatedCredential {
  id: string;
  type: string;
  token?: string;
  access?: string;
  secret?: string;
  private_regions: string[] | "*";
}

/** Creates a credential through POST /admin/v1/credentials. */
export async function createCredential(base: string, admin: string, body: Record<string, unknown>): Promise<CreatedCredential> {
  return (await call(base, "POST", "/admin/v1/credentials", { token: admin, body, expect: 201 })).body as CreatedCredential;
}
