import type { AddressInfo } from "node:net";
import pino from "pino";
import { startCertificateWatch } from "./catalog/certificate-health.ts";
import { Catalog } from "./catalog/service.ts";
import { describeDatabase, loadConfig, startupWarnings } from "./config.ts";
import { isNewDataDir, openDatabase } from "./db/client.ts";
import { describeError } from "./domain/errors.ts";
import { createSecretBox } from "./domain/secret-box.ts";
import { createApp } from "./http/app.ts";
import { createMetrics } from "./http/metrics.ts";
import { createNodeServer } from "./http/node-server.ts";
import { createReadLane } from "./http/read-lane.ts";
import { saveAdminToken } from "./identity/admin-token-file.ts";
import { createAuthenticator } from "./identity/authenticator.ts";
import { bootstrapAdmin } from "./identity/credential-service.ts";
import { resolveSecretKey } from "./identity/secret-key.ts";
import { createLogSink, type LogSink } from "./log-sink.ts";
import { largeWorkHeap, memoryReleaser } from "./memory.ts";
import { packageVersion } from "./version.ts";

/** LOG_FORMAT=pretty: pino-pretty, loaded only then, formats each line before the same sink. */
async function prettyLines(sink: LogSink): Promise<{ write(line: string): void }> {
  const { prettyFactory } = await import("pino-pretty");
  const pretty = prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l",
    ignore: "pid,hostname",
  });
  return { write: (line) => sink.write(pretty(line)) };
}

/** The composition root: configuration → database → catalogue → HTTP server, and a clean stop. */
export async function runServe(): Promise<void> {
  // before anything grows the heap: how it may grow, and how it gives memory back (memory.ts)
  const releaseMemory = memoryReleaser();
  const config = loadConfig();
  // stdout may be a pipe whose reader stops reading: the sink drops lines rather than block or grow
  const logSink = createLogSink(process.stdout);
  process.stderr.on("error", () => {}); // a closed stderr must not take the process down
  const logger = pino({ level: config.logLevel }, config.logFormat === "pretty" ? await prettyLines(logSink) : logSink);
  // said plainly too when info logs are off: humans and scripts wait for these lines
  const say = (message: string, fields: Record<string, unknown>, plain: string) => {
    logger.info(fields, message);
    if (!logger.isLevelEnabled("info")) process.stdout.write(`${plain}\n`);
  };
  logger.info({ version: packageVersion(), node: process.version, ...describeDatabase(config) }, "region-gateway starting");
  if (!config.databaseUrl && isNewDataDir(config.dataDir)) {
    const line = `initialising the embedded database in ${config.dataDir} (first start)…`;
    say(line, {}, line);
  }
  for (const warning of startupWarnings(config)) {
    if (logger.isLevelEnabled("warn")) logger.warn(warning);
    else process.stderr.write(`region-gateway: warning: ${warning}\n`);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const secretBox = createSecretBox(resolveSecretKey(config.secretKey, config.dataDir, database.kind === "pglite"));
  const metrics = createMetrics();
  let opened = false;
  const catalog = await Catalog.open(database, {
    secretBox,
    pollIntervalMs: config.pollIntervalMs,
    onError: (message, err) => logger.warn({ error: describeError(err) }, message),
    observer: metrics.catalogObserver,
    // after a large write (an import), the embedded engine's memory first (it only grows), then
    // the heap's; the first load only reads, and the writes of the start must not wait for it
    onLargeChange: () => {
      if (!opened) return releaseMemory();
      const started = performance.now();
      void database
        .recycle()
        .then(() => {
          if (database.kind === "pglite") {
            const ms = Math.round(performance.now() - started);
            logger.info({ ms }, "embedded database reopened to give back its memory");
          }
        })
        .catch((e) => logger.error({ error: describeError(e) }, "reopening the embedded database failed"))
        .finally(releaseMemory);
    },
    aroundLargeWork: largeWorkHeap(),
  });
  opened = true;
  const auth = createAuthenticator({
    identity: () => catalog.identity(),
    secretBox,
    adminToken: config.adminToken,
    manageToken: config.manageToken,
  });
  const appDeps = {
    catalog,
    database,
    auth,
    secretBox,
    tokenTtlSeconds: config.tokenTtlSeconds,
    publicUrl: config.publicUrl,
    logger,
    metrics,
    metricsAccess: config.metrics,
    version: packageVersion(),
  };
  const app = createApp(appDeps);
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
  const server = createNodeServer({ fetch, hostname: config.host, lane: createReadLane(appDeps) });
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
    { address: address.address, port: address.port, database: database.kind, metrics: config.metrics.kind },
    `region-gateway listening on ${address.address}:${address.port}`,
  );
  // once serving: parsing every region's certificates takes ~1 s with 10,000 regions
  const stopCertificateWatch = startCertificateWatch({
    regions: () => catalog.list(),
    warn: (fields, message) => logger.warn(fields, message),
  });

  // SIGTERM ends the process within drainMs whatever happens meanwhile: a request that does not
  // finish, a database that does not answer, a log reader that stopped reading.
  const drainMs = 10_000;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + drainMs;
    setTimeout(() => process.exit(1), drainMs).unref();
    logger.info({ signal }, "stopping: finishing in-flight requests");
    // Stop accepting, let in-flight requests finish (their handlers, too), then close the database.
    stopCertificateWatch();
    server.close(async () => {
      while (inFlight > 0 && Date.now() < deadline - 2_000) await new Promise((r) => setTimeout(r, 50));
      await catalog.close();
      await database.close();
      logger.info({ dropped_log_lines: logSink.dropped }, "stopped");
      await logSink.flush(Math.min(1_000, deadline - 250 - Date.now()));
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), drainMs - 3_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
