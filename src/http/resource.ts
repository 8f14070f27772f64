import type { Handler, Hono } from "hono";
import { GatewayError } from "../domain/errors.ts";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Registers the handlers of one path and answers every other method with 405 and an
 * `Allow` header (HEAD is served by GET).
 */
export function resource<R extends Hono<any>>(router: R, path: string, handlers: Partial<Record<Method, Handler<any>>>): void {
  const methods = Object.keys(handlers) as Method[];
  const allow = methods.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m]));
  for (const m of methods) router.on(m, path, handlers[m] as Handler);
  router.all(path, () => {
    throw new GatewayError("method_not_allowed", "method not allowed", { allow });
  });
}
