import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { binPath } from "../support/process.ts";
import type { TestApp } from "../support/test-app.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `region-gateway ARGS` as a real process (asynchronously: in-process gateways keep serving). */
export function runCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** A test gateway served over real HTTP on a free port. */
export async function serveOverHttp(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The "```json" example under a heading of one of the API documents (test/fixtures copies). */
export function documentExample(text: string, heading: string): Record<string, unknown> {
  const at = text.indexOf(heading);
  const m = /```json[^\n]*\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (at < 0 || !m?.[1]) throw new Error(`no example under ${heading}`);
  return JSON.parse(m[1]) as Record<string, unknown>;
}
