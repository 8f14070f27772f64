import { serve } from "@hono/node-server";
import pino from "pino";
import { Catalog } from "./catalog/service.ts";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { describeError } from "./domain/errors.ts";
import { createSecretBox } from "./domain/secret-box.ts";
import { createApp } from "./http/app.ts";
import { saveAdminToken } from "./identity/admin-token-file.ts";
import { createAuthenticator } from "./identity/authenticator.ts";
import { bootstrapAdmin } from "./identity/credential-service.ts";
import { resolveSecretKey } from "./identity/secret-key.ts";

/** The composition root: configuration → database → catalogue → HTTP server, and a clean stop. */
export async function runServe(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const secretBox = createSecretBox(resolveSecretKey(config.secretKey, config.dataDir, database.kind === "pglite"));
  const catalog = await Catalog.open(database, {
    secretBox,
    pollIntervalMs: config.pollIntervalMs,
    onError: (message, err) => logger.warn({ error: describeError(err) }, message),
  });
  if (!config.adminToken) {
    const generated = await bootstrapAdmin(catalog, secretBox);
    if (generated) {
      const file = saveAdminToken(config.dataDir, generated);
      // Printed once, to the terminal only (never through the logger); kept in a 0600 file.
      process.stdout.write(`\nGenerated admin token (saved to ${file}):\n\n    ${generated}\n\n`);
    }
  }
  const auth = createAuthenticator({
    identity: () => catalog.identity(),
    secretBox,
    adminToken: config.adminToken,
    manageToken: config.manageToken,
  });
  const app = createApp({
    catalog,
    database,
    auth,
    secretBox,
    tokenTtlSeconds: config.tokenTtlSeconds,
    publicUrl: config.publicUrl,
    logger,
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info({ address: info.address, port: info.port, database: database.kind }, "region-gateway listening");
    // also said plainly, whatever LOG_LEVEL is: scripts and humans wait for this line
    if (!logger.isLevelEnabled("info")) process.stdout.write(`region-gateway listening on ${info.address}:${info.port}\n`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    // Stop accepting, let in-flight requests finish, then close the database.
    server.close(async () => {
      await catalog.close();
      await database.close();
      logger.info("stopped");
      process.exit(0);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    setTimeout(() => {
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
