import type { Logger } from "pino";
import { Catalog } from "../../src/catalog/service.ts";
import type { MetricsAccess } from "../../src/config.ts";
import { createApp } from "../../src/http/app.ts";
import type { Metrics } from "../../src/http/metrics.ts";
import { type Authenticator, createAuthenticator } from "../../src/identity/authenticator.ts";
import type { Backend, TestDatabase } from "./backends.ts";
import { testSecretBox } from "./backends.ts";

export const adminToken = "test-admin-token";
export const manageToken = "test-manage-token";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  /** the credential check the app was given (the read lane takes the same) */
  auth: Authenticator;
  catalog: Catalog;
  db: TestDatabase;
  close(): Promise<void>;
}

/** The whole gateway on a fresh database of `backend`, served in-process (app.request). */
export async function openTestApp(
  backend: Backend,
  options: {
    publicUrl?: string;
    now?: () => number;
    tokenTtlSeconds?: number;
    /** the gateway's metrics, told of catalogue writes too (as the server wires them) */
    metrics?: Metrics;
    metricsAccess?: MetricsAccess;
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  const db = await backend.open();
  const catalog = await Catalog.open(db.database, { secretBox: testSecretBox, observer: options.metrics?.catalogObserver });
  const auth = createAuthenticator({
    identity: () => catalog.identity(),
    secretBox: testSecretBox,
    adminToken,
    manageToken,
    now: options.now,
  });
  const app = createApp({
    catalog,
    database: db.database,
    auth,
    secretBox: testSecretBox,
    publicUrl: options.publicUrl,
    now: options.now,
    tokenTtlSeconds: options.tokenTtlSeconds,
    metrics: options.metrics,
    metricsAccess: options.metricsAccess,
    logger: options.logger,
  });
  return {
    app,
    auth,
    catalog,
    db,
    async close() {
      await catalog.close();
      await db.drop();
    },
  };
}

/** Request helpers that speak each dialect's headers. */
export function clients(app: TestApp["app"]) {
  const json = (body: unknown): RequestInit => ({
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": "application/json" },
  });
  const withHeaders = (init: RequestInit, headers: Record<string, string>): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...headers },
  });
  return {
    keystone(method: string, path: string, body?: unknown, token: string | null = adminToken) {
      const init: RequestInit = body === undefined ? { method } : { method, ...json(body) };
      return app.request(`http://gw.test${path}`, withHeaders(init, token ? { "X-Auth-Token": token } : {}));
    },
    rainbond(method: string, path: string, body?: unknown, token: string | null = adminToken) {
      const init: RequestInit = body === undefined ? { method } : { method, ...json(body) };
      return app.request(`http://gw.test${path}`, withHeaders(init, token ? { Authorization: token } : {}));
    },
  };
}

/** A real credential, created through the admin API as an operator would; returns its secret parts. */
export async function createCredential(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string; token?: string; access?: string; secret?: string }> {
  const res = await t.app.request("http://gw.test/admin/v1/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Auth-Token": adminToken },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`credential not created: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token?: string };
}
