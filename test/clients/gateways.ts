import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { type RunningGateway, startGateway, stopGateway } from "../support/process.ts";

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
    const name = `rg_clients_${randomBytes(6).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    extra.DATABASE_URL = url.toString();
    extra.SECRET_KEY = randomBytes(32).toString("hex");
    drop = async () => {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    };
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
