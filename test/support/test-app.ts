import { Catalog } from "../../src/catalog/service.ts";
import { testSecretBox } from "./backends.ts";
import { createApp } from "../../src/http/app.ts";
import { createStaticAuthenticator } from "../../src/identity/tokens.ts";
import type { Backend, TestDatabase } from "./backends.ts";

export const adminToken = "test-admin-token";
export const manageToken = "test-manage-token";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  catalog: Catalog;
  db: TestDatabase;
  close(): Promise<void>;
}

/** The whole gateway on a fresh database of `backend`, served in-process (app.request). */
export async function openTestApp(backend: Backend, options: { publicUrl?: string } = {}): Promise<TestApp> {
  const db = await backend.open();
  const catalog = await Catalog.open(db.database, { secretBox: testSecretBox });
  const app = createApp({
    catalog,
    database: db.database,
    auth: createStaticAuthenticator(adminToken, manageToken),
    publicUrl: options.publicUrl,
  });
  return {
    app,
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
