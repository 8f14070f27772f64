import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import pino from "pino";
import { startCertificateWatch } from "./catalog/certificate-health.ts";
import { Catalog } from "./catalog/service.ts";
import { loadConfig } from "./config.ts";
import { isNewDataDir, openDatabase } from "./db/client.ts";
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
  // said plainly too when info logs are off: humans and scripts wait for these lines
  const say = (message: string, fields: Record<string, unknown>, plain: string) => {
    logger.info(fields, message);
    if (!logger.isLevelEnabled("info")) process.stdout.write(`${plain}\n`);
  };
  if (!config.databaseUrl && isNewDataDir(config.dataDir)) {
    const line = `initialising the embedded database in ${config.dataDir} (first start)…`;
    say(line, {}, line);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const secretBox = createSecretBox(resolveSecretKey(config.secretKey, config.dataDir, database.kind === "pglite"));
  const catalog = await Catalog.open(database, {
    secretBox,
    pollIntervalMs: config.pollIntervalMs,
    onError: (message, err) => logger.warn({ error: describeError(err) }, message),
  });
  const stopCertificateWatch = startCertificateWatch({
    regions: () => catalog.list(),
    warn: (fields, message) => logger.warn(fields, message),
  });
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
  // counts requests until their handler has finished, even if the client went away meanwhile
  let inFlight = 0;
  const fetch = async (req: Request, env: unknown): Promise<Response> => {
    inFlight++;
    try {
      return await app.fetch(req, env);
    } finally {
      inFlight--;
    }
  };
  const server = createAdaptorServer({ fetch, hostname: config.host });
  let address: AddressInfo;
  try {
    address = await new Promise<AddressInfo>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve(server.address() as AddressInfo);
      });
    });
  } catch (error) {
    // e.g. EADDRINUSE: one clear line, the database closed, exit 2, and no admin token generated
    const e = error as NodeJS.ErrnoException;
    process.stderr.write(`region-gateway: cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}\n`);
    await catalog.close();
    await database.close();
    process.exit(2);
  }
  server.on("error", (e: NodeJS.ErrnoException) => logger.error({ error: e.code ?? e.message }, "server error"));
  // only once the gateway can serve: a start that fails leaves no token behind
  if (!config.adminToken) {
    const generated = await bootstrapAdmin(catalog, secretBox);
    if (generated) {
      const file = saveAdminToken(config.dataDir, generated);
      // Printed once, to the terminal only (never through the logger); kept in a 0600 file.
      process.stdout.write(`\nGenerated admin token (saved to ${file}):\n\n    ${generated}\n\n`);
    }
  }
  say(
    "region-gateway listening",
    { address: address.address, port: address.port, database: database.kind },
    `region-gateway listening on ${address.address}:${address.port}`,
  );

  // A request Node cannot even parse (bad Host, oversized headers) still gets a JSON answer.
  server.on("clientError", (e: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = e.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const title = status === 431 ? "Request Header Fields Too Large" : "Bad Request";
    const body = JSON.stringify({ error: { code: status, title, message: "The request could not be parsed." } });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests");
    // Stop accepting, let in-flight requests finish (their handlers, too), then close the database.
    stopCertificateWatch();
    server.close(async () => {
      for (let waited = 0; inFlight > 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
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
