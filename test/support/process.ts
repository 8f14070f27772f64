import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export const binPath = path.resolve(import.meta.dirname, "../../bin/region-gateway.js");

export interface RunningGateway {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** the exit code, once the process has exited (its last output may still be in the pipes) */
  exited: Promise<number | null>;
  /** once its stdout and stderr are closed too: output() then has everything it wrote */
  closed: Promise<void>;
}

/** Starts `region-gateway serve` as a real process on a free port and waits until it listens. */
export async function startGateway(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningGateway> {
  const child = spawn(process.execPath, [binPath, "serve"], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    // a gateway that did not start in time is not left behind
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway did not start:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /"port":(\d+)[^\n]*region-gateway listening/.exec(out) ?? /region-gateway listening on [^\n]*:(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${out}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited, closed };
}

/** SIGTERM; resolves to the exit code once the process has exited and its output has all been read. */
export async function stopGateway(g: RunningGateway): Promise<number | null> {
  if (g.child.exitCode === null) g.child.kill("SIGTERM");
  const code = await g.exited;
  await g.closed;
  return code;
}
