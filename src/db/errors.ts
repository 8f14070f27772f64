/** What a driver error means to the catalogue, whichever driver raised it. */
export type DbFailure = "duplicate_name" | "duplicate_uid" | "missing_parent" | "unstorable_text" | "unavailable" | "other";

const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02",
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "3D000", // database does not exist
]);

export function classifyDbError(error: unknown): DbFailure {
  // drizzle wraps driver errors in DrizzleQueryError { cause }
  let e = error as { code?: string; constraint?: string; constraint_name?: string; message?: string; cause?: unknown };
  for (let depth = 0; depth < 4 && e && !e.code && e.cause; depth++) e = e.cause as typeof e;
  if (!e) return "other";
  const code = String(e.code ?? "");
  const constraint = e.constraint_name ?? e.constraint ?? "";
  if (code === "23505") return constraint.includes("name") ? "duplicate_name" : "duplicate_uid";
  if (code === "23503") return "missing_parent";
  // 22021: a NUL in a text parameter; 22P05: one in a JSON escape (\u0000) PostgreSQL cannot store
  if (code === "22021" || code === "22P05") return "unstorable_text";
  // 08: connection exception; 53: insufficient resources (too many connections, disk full);
  // 57P: shutting down / starting up; 55000: database not accepting connections
  if (connectionCodes.has(code) || /^(08|53|57P)/.test(code) || code === "55000") return "unavailable";
  if (/PGlite is closed|closed|terminat/i.test(e.message ?? "")) return "unavailable";
  return "other";
}
