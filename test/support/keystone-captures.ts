import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The raw exchanges with a real Keystone 22 (Debian's, captured with curl;
 * kept in the repository so CI has them), parsed into request and response.
 */
const dir = path.join(import.meta.dirname, "..", "fixtures", "keystone-captures");

export interface CapturedMessage {
  /** request line or status line */
  start: string;
  /** header names lower-cased */
  headers: Record<string, string>;
  /** the raw body, as captured */
  text: string;
  /** the body parsed as JSON, or undefined when it is empty or not JSON */
  json: unknown;
}

export interface Capture {
  file: string;
  request: CapturedMessage & { method: string; path: string };
  response: (CapturedMessage & { status: number }) | null;
}

function parseMessage(block: string): CapturedMessage | null {
  const lines = block.replaceAll("\r", "").split("\n");
  while (lines.length > 0 && lines[0] === "") lines.shift();
  if (lines.length === 0) return null;
  const start = lines.shift() ?? "";
  const headers: Record<string, string> = {};
  while (lines.length > 0 && lines[0] !== "") {
    const line = lines.shift() ?? "";
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  lines.shift();
  const text = lines.join("\n").trim();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { start, headers, text, json };
}

export function capture(number: number): Capture {
  const prefix = String(number).padStart(2, "0");
  const file = readdirSync(dir).find((f) => f.startsWith(`${prefix}-`));
  if (!file) throw new Error(`no capture ${prefix}`);
  const raw = readFileSync(path.join(dir, file), "utf8");
  const reqStart = raw.indexOf("==== REQUEST ====");
  const resStart = raw.indexOf("==== RESPONSE ====");
  const request = parseMessage(raw.slice(reqStart + "==== REQUEST ====".length, resStart));
  const response = parseMessage(raw.slice(resStart + "==== RESPONSE ====".length));
  if (!request) throw new Error(`capture ${file} has no request`);
  const [method = "", target = ""] = request.start.split(" ");
  return {
    file,
    request: { ...request, method, path: target },
    response: response ? { ...response, status: Number(response.start.split(" ")[1]) } : null,
  };
}

/** The captured JSON response body; throws if the capture has none. */
export function capturedBody(number: number): Record<string, unknown> {
  const c = capture(number);
  if (!c.response || typeof c.response.json !== "object" || c.response.json === null) {
    throw new Error(`capture ${c.file} has no JSON response body`);
  }
  return c.response.json as Record<string, unknown>;
}

/** The captured JSON request body; throws if the capture has none. */
export function capturedRequestBody(number: number): unknown {
  const c = capture(number);
  if (c.request.json === undefined) throw new Error(`capture ${c.file} has no JSON request body`);
  return c.request.json;
}

/** Keystone's own base URL in the captures. */
export const captureBase = "http://127.0.0.1:5000";
