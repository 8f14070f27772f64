import { GatewayError } from "../domain/errors.ts";
import { type JsonProblem, pathText } from "../domain/json-limits.ts";
import { type BodyMessages, maxBodyBytes } from "./body.ts";
import { asGatewayError, type Rendered } from "./errors.ts";

/** Keystone's error body: `{"error":{"code","title","message"}}`, title = the reason phrase. */
const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export const keystoneMessages = {
  unauthorized: "The request you have made requires authentication.",
  badJson:
    "Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
  badContentType:
    "Expecting to find application/json in Content-Type header. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
  forbidden: (action: string) => `You are not authorized to perform the requested action: ${action}.`,
};

/** How Keystone-shaped routes (/v3, /admin) word a body they cannot read. */
export const keystoneBodyMessages: BodyMessages = {
  badJson: () => keystoneMessages.badJson,
  badContentType: () => keystoneMessages.badContentType,
  // worded as Keystone's schema errors: "Invalid input for field '…': …"
  refused: (p: JsonProblem) =>
    new GatewayError("validation", `Invalid input for field '${pathText(p.path) || "body"}': ${p.message}`, {
      fields: { [String(p.path[0] ?? "body")]: [p.message] },
    }),
};

export function keystoneBody(status: number, message: string) {
  return { error: { code: status, title: titles[status] ?? "Error", message } };
}

/**
 * Every code in Keystone's shape (the switch is exhaustive: a new code does not typecheck until it
 * is rendered here). `base` is the gateway's public base URL; 401 points tools at its `/v3`.
 */
export function renderKeystoneError(thrown: unknown, base: string): Rendered {
  const error = asGatewayError(thrown);
  const status = error.status;
  const headers: Record<string, string> = {};
  let message = error.message;
  switch (error.code) {
    case "validation":
    case "bad_request":
    case "forbidden":
    case "request_timeout":
    case "precondition_failed":
    case "headers_too_large":
    case "internal":
      break;
    case "not_found":
      if (error.subject !== undefined) message = `Could not find region: ${error.subject}.`;
      break;
    case "conflict":
      // A duplicate region (the catalogue says on which field); other conflicts (a credential's
      // user name, through the admin API) keep their own message.
      // sic: Keystone's message ends in two dots ("Duplicate ID, %s." inside "...%s.")
      if (error.conflictOn !== undefined)
        message = `Conflict occurred attempting to store region - Duplicate ID, ${error.subject ?? ""}..`;
      break;
    case "cycle":
      message = `The specified parent region ${error.subject ?? ""} would create a circular region hierarchy.`;
      break;
    case "unauthorized":
      // Keystone's generic text, unless the cause is worth telling (e.g. a skewed X-Sdk-Date)
      message = error.message || keystoneMessages.unauthorized;
      headers["WWW-Authenticate"] = `Keystone uri="${base}/v3"`;
      break;
    case "route_not_found":
      message = "The resource could not be found.";
      break;
    case "method_not_allowed":
      message = "The method is not allowed for the requested URL.";
      headers.Allow = (error.allow ?? []).join(", ");
      break;
    case "payload_too_large": {
      const limit = error.limit ?? { name: "max_request_body_size", bytes: maxBodyBytes };
      message = `Request is too large. Larger than ${limit.name} (${limit.bytes}).`;
      headers.Connection = "close";
      break;
    }
    case "unavailable":
      message = "The service is temporarily unavailable: the database does not answer.";
      break;
    case "too_many_requests":
      headers["Retry-After"] = "1";
      break;
    default:
      return error.code satisfies never;
  }
  return { status, body: keystoneBody(status, message), headers };
}
