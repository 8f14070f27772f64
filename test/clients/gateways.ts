import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type RunningGateway, startGateway, stopGateway } from "../support/process.ts";
import { throwAwayDatabase } from "../support/throwaway-database.ts";

/** The real-client tests run against a gateway process on each backend: PGlite, and PostgreSQL when TEST_DATABASE_URL is set. */
export interface GatewayBackend {
  name: "pglite" | "postgres";
  available: boolean;
}

const adminUrl = process.env.TEST_DATABASE_URL;
export const gatewayBackends: GatewayBackend[] = [
  { name: "pglite", available: true },
  { name: "postgres", available: Boolean(adminUrl) },
];

export interface BackendGateway {
  gw: RunningGateway;
  /** stops the process (expecting a clean exit code) and drops its data */
  stop(): Promise<number | null>;
}

/** `region-gateway serve` on a fresh data directory, or on a fresh throw-away PostgreSQL database. */
export async function startBackendGateway(backend: GatewayBackend, env: Record<string, string>): Promise<BackendGateway> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `rg-clients-${backend.name}-`));
  let drop = async () => {};
  const extra: Record<string, string> = { DATA_DIR: dataDir };
  if (backend.name === "postgres") {
    if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
    const place = await throwAwayDatabase(adminUrl, "rg_clients");
    extra.DATABASE_URL = place.url;
    extra.SECRET_KEY = randomBytes(32).toString("hex");
    drop = place.drop;
  }
  let gw: RunningGateway;
  try {
    gw = await startGateway({ ...extra, ...env });
  } catch (e) {
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    gw,
    async stop() {
      const code = await stopGateway(gw);
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
