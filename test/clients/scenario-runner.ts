import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "./support.ts";

/** One login and the region operations run after it, in one client process (python-clients.py, gophercloud-client.go). */
export interface Scenario {
  name: string;
  auth: { type: "v3token"; token: string } | { type: "password"; username: string; password: string };
  project: string | null;
  region_name: string | null;
  ops: Array<{ op: "list" | "create" | "get" | "update" | "delete"; id?: string; parent?: string; description?: string }>;
}
export interface OpResult {
  ok: boolean;
  value?: unknown;
  status?: number | null;
  error?: string;
}
export type ClientRun = Array<{ name: string; login: OpResult; results: OpResult[] }>;

const here = import.meta.dirname;
// Debian's gophercloud lives in a GOPATH tree: GOPATH mode, no module download, offline
const goEnv = (home: string) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  GO111MODULE: "off",
  GOPATH: "/usr/share/gocode",
  GOFLAGS: "",
  // shared by runs: the compiled gophercloud packages are reused, the binary is built per run
  GOCACHE: path.join(tmpdir(), "region-gateway-test-gocache"),
});

/** Builds gophercloud-client.go into `dir`; resolves to the binary's path. */
export async function buildGoClient(dir: string): Promise<string> {
  const binary = path.join(dir, "gophercloud-client");
  const r = await run("/usr/bin/go", ["build", "-o", binary, path.join(here, "gophercloud-client.go")], goEnv(dir), 120_000);
  if (r.code !== 0) throw new Error(`go build failed (${r.code}):\n${r.stderr}`);
  return binary;
}

/** Runs the scenarios in one client process, the request on stdin; the client's JSON report. */
export function runClient(
  client: { kind: "python"; client: "sdk" | "keystoneclient" } | { kind: "go"; binary: string },
  authUrl: string,
  scenarios: Scenario[],
): Promise<ClientRun> {
  const [command, args] =
    client.kind === "python" ? ["/usr/bin/python3", [path.join(here, "python-clients.py")]] : [client.binary, [] as string[]];
  const request = JSON.stringify({
    client: client.kind === "python" ? client.client : "gophercloud",
    auth_url: authUrl,
    scenarios,
  });
  // a HOME of its own: no clouds.yaml or cache from the machine leaks in
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: path.join(tmpdir(), "rg-clients-home-none") };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(stdout) as ClientRun);
      } catch (e) {
        reject(new Error(`${command} failed (${String(e)}):\n${stderr}\n${stdout}`));
      }
    });
    child.stdin.end(request);
  });
}
