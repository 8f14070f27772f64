import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError } from "../domain/errors.ts";
import { type JsonProblem, jsonProblem } from "../domain/json-limits.ts";

export const maxBodyBytes = 1024 * 1024;

/** Refuses bodies over 1 MiB before they are read (413, rendered by the dialect's error handler). */
export function limitBody(): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new GatewayError("payload_too_large", "request body too large");
    },
  });
}

export interface BodyMessages {
  badJson: (detail: string) => string;
  badContentType: (contentType: string) => string;
  /** the error for a body that breaks the limits of json-limits.ts (depth), in the dialect's words */
  refused: (problem: JsonProblem) => GatewayError;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const jsonType = /^application\/(?:[\w.+-]*\+)?json\b/i;

/**
 * The request body as JSON. A missing Content-Type is accepted (Keystone does), any other
 * type is refused, an empty body reads as `{}`, malformed JSON is a 400, and so is a body that
 * breaks the limits every user JSON value is held to (json-limits.ts): checked here, before any
 * route or validation message touches the value.
 */
export async function readJson(c: Context, messages: BodyMessages): Promise<unknown> {
  const contentType = c.req.header("Content-Type");
  if (contentType && !jsonType.test(contentType.trim())) {
    throw new GatewayError("bad_request", messages.badContentType(contentType));
  }
  let text: string;
  try {
    // invalid UTF-8 is refused, not silently replaced with U+FFFD and stored
    text = utf8.decode(await c.req.arrayBuffer());
  } catch {
    throw new GatewayError("bad_request", messages.badJson("the body is not valid UTF-8"));
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GatewayError("bad_request", messages.badJson((e as Error).message));
  }
  const problem = jsonProblem(value);
  if (problem) throw messages.refused(problem);
  return value;
}
