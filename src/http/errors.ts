import { HTTPException } from "hono/http-exception";
import { type ErrorCode, GatewayError } from "../domain/errors.ts";

/** An error as a dialect renders it: status, JSON body and the headers that go with it. */
export interface Rendered {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The public text of an unexpected error (Keystone's own wording); never the cause's message. */
export const unexpectedMessage = "An unexpected error prevented the server from fulfilling your request.";

/** hono's HTTPException statuses as codes; another 4xx is a bad request, anything else internal. */
const codeOfHttpStatus: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "route_not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  412: "precondition_failed",
  413: "payload_too_large",
  429: "too_many_requests",
  431: "headers_too_large",
  503: "unavailable",
};

/**
 * The error model's tiers (as Unkey's handleError): a GatewayError as it is; hono's HTTPException
 * (thrown by hono's own middleware) by its status, with its message; anything else an `internal`
 * error whose message is the public text, never the cause's (a driver error carries parameters).
 */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof HTTPException) {
    const code = codeOfHttpStatus[error.status] ?? (error.status >= 400 && error.status < 500 ? "bad_request" : undefined);
    if (code !== undefined) return new GatewayError(code, error.message);
  }
  return new GatewayError("internal", unexpectedMessage);
}
