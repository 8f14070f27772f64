import path from "node:path";
import { z } from "zod";

/** The only module that reads the environment. Everything else receives a Config. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default("./data"),
  ADMIN_TOKEN: z
    .string()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  MANAGE_TOKEN: z
    .string()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PUBLIC_URL: z
    .string()
    .url()
    .transform((u) => u.replace(/\/+$/, ""))
    .optional()
    .or(z.literal("").transform(() => undefined)),
  SECRET_KEY: z
    .string()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** lifetime of tokens issued by POST /v3/auth/tokens, seconds */
  TOKEN_TTL: z.coerce.number().int().min(60).default(3600),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** json: one JSON object a line (for collectors); pretty: coloured, human-readable lines for a terminal */
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  /** bearer token that GET /metrics requires (see metricsAccess) */
  METRICS_TOKEN: z
    .string()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** seconds between catalogue-version polls (fallback when NOTIFY is lost) */
  POLL_INTERVAL: z.coerce.number().min(0.1).default(1),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  manageToken: string | undefined;
  publicUrl: string | undefined;
  /** AES-256-GCM key for secrets at rest (hex or base64); generated into DATA_DIR on PGlite */
  secretKey: string | undefined;
  tokenTtlSeconds: number;
  logLevel: string;
  logFormat: "json" | "pretty";
  /** who may read GET /metrics */
  metrics: MetricsAccess;
  pollIntervalMs: number;
}

/**
 * GET /metrics: open on a gateway that listens on loopback only and has no METRICS_TOKEN;
 * otherwise only with `Authorization: Bearer <METRICS_TOKEN>`, and closed to everyone when a
 * gateway others can reach has no METRICS_TOKEN.
 */
export type MetricsAccess = { kind: "open" } | { kind: "token"; token: string } | { kind: "closed" };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`configuration: ${first?.path.join(".")}: ${first?.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    adminToken: e.ADMIN_TOKEN,
    manageToken: e.MANAGE_TOKEN,
    publicUrl: e.PUBLIC_URL,
    secretKey: e.SECRET_KEY,
    tokenTtlSeconds: e.TOKEN_TTL,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metrics: e.METRICS_TOKEN
      ? { kind: "token", token: e.METRICS_TOKEN }
      : isLoopback(e.HOST)
        ? { kind: "open" }
        : { kind: "closed" },
    pollIntervalMs: Math.round(e.POLL_INTERVAL * 1000),
  };
}

const cliEnvSchema = z.object({
  RG_URL: z.string().optional(),
  RG_TOKEN: z.string().optional(),
  RG_SOURCE_TOKEN: z.string().optional(),
  RG_PASSWORD: z.string().optional(),
});

/** What the client commands (credentials, audit, import, export) may take from the environment. */
export interface CliConfig {
  /** the gateway's base URL (`RG_URL`) */
  url: string | undefined;
  /** an admin token for the gateway (`RG_TOKEN`): kept out of `ps` and shell history */
  token: string | undefined;
  /** the token of an import's `--source` (`RG_SOURCE_TOKEN`) */
  sourceToken: string | undefined;
  /** the password of `credentials create --type password` (`RG_PASSWORD`) */
  password: string | undefined;
}

const unsetIfEmpty = (v: string | undefined) => (v === "" ? undefined : v);

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const e = cliEnvSchema.parse(env);
  return {
    url: unsetIfEmpty(e.RG_URL),
    token: unsetIfEmpty(e.RG_TOKEN),
    sourceToken: unsetIfEmpty(e.RG_SOURCE_TOKEN),
    password: unsetIfEmpty(e.RG_PASSWORD),
  };
}

/** Every variable this module reads (the README's configuration table lists each one). */
export const environmentVariables = [...Object.keys(envSchema.shape), ...Object.keys(cliEnvSchema.shape)];

export const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || /^127\./.test(host) || /^::ffff:127\./i.test(host);

/**
 * What an operator must hear at start-up. Without PUBLIC_URL, Keystone links and
 * WWW-Authenticate are built from the request's Host: harmless on loopback, but a gateway others
 * reach (directly or through a proxy that forwards Host) should be told its public address.
 */
export function startupWarnings(config: Config): string[] {
  if (config.publicUrl === undefined && !isLoopback(config.host)) {
    return [
      `PUBLIC_URL is not set and HOST is ${config.host}: Keystone links and WWW-Authenticate will name whatever Host each request sends; set PUBLIC_URL to the gateway's public base URL`,
    ];
  }
  return [];
}

/**
 * Where the data lives, for the start-up line: the data directory, or the host, port and database
 * name of DATABASE_URL (never its user's password, nor the rest of the URL).
 */
export function describeDatabase(config: Pick<Config, "databaseUrl" | "dataDir">): Record<string, string> {
  if (!config.databaseUrl) return { database: "pglite", data_dir: config.dataDir };
  try {
    const url = new URL(config.databaseUrl);
    // a Unix socket is named by ?host=/path; libpq's other default is localhost
    const host = url.host || url.searchParams.get("host") || "localhost";
    return { database: "postgres", db_host: host, db_name: decodeURIComponent(url.pathname.replace(/^\//, "")) };
  } catch {
    return { database: "postgres" };
  }
}
