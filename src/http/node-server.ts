import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { getRequestListener, RequestError } from "@hono/node-server";
import { GatewayError } from "../domain/errors.ts";
import { renderKeystoneError } from "./keystone-errors.ts";
import { rawHeader } from "./raw-headers.ts";
import type { ReadLane } from "./read-lane.ts";
import { refusalRequest } from "./refusal.ts";

export interface NodeServerOptions {
  /** answers every request (the app's fetch, possibly wrapped) */
  fetch: (req: Request, env: unknown) => Promise<Response>;
  /** the Host assumed for HTTP/1.0 requests that send none */
  hostname?: string | undefined;
  /** answers the hot reads it can before the app sees them (read-lane.ts) */
  lane?: ReadLane | undefined;
}

const unparsable = "The request could not be parsed: its target or Host header does not make a URL.";

/**
 * The HTTP server in front of the app. Whatever Node or the adapter refuses before the app sees
 * a request (a Host that is not a host, a backslash in the path, a missing Host, bytes Node
 * cannot parse, CONNECT) is still answered by the app's error rendering: JSON in the dialect's
 * shape, with the headers every answer carries.
 */
export function createNodeServer(o: NodeServerOptions): Server {
  const refuse = async (target: string | undefined, method: string | undefined, error: unknown) => {
    try {
      const { request, env } = refusalRequest(target, method, error);
      return await o.fetch(request, env);
    } catch {
      // the app itself failed: a Keystone 500, rendered without it
      const { status, body, headers } = renderKeystoneError(
        new GatewayError("internal", "The request could not be answered."),
        "",
      );
      return Response.json(body, {
        status,
        headers: { ...headers, "Cache-Control": "no-store", "X-Request-Id": `req-${randomUUID()}` },
      });
    }
  };

  // The adapter calls errorHandler without the request it could not build: the request being
  // parsed is remembered while the listener runs synchronously (where that call happens).
  let parsing: IncomingMessage | undefined;
  const listener = getRequestListener(o.fetch, {
    hostname: o.hostname,
    errorHandler: (e) =>
      e instanceof RequestError
        ? refuse(parsing?.url, parsing?.method, new GatewayError("bad_request", unparsable))
        : refuse(undefined, undefined, e),
  });

  // Node's own missing-Host 400 is empty: the check is made here instead.
  const server = createServer({ requireHostHeader: false }, (incoming, outgoing) => {
    if (incoming.httpVersion !== "1.0" && rawHeader(incoming, "host") === undefined) {
      const error = new GatewayError("bad_request", "An HTTP/1.1 request needs a Host header.");
      return void refuse(incoming.url, incoming.method, error).then(async (res) => {
        const body = Buffer.from(await res.arrayBuffer());
        const length = res.headers.get("content-length") ?? String(body.length); // a HEAD's is the GET's
        outgoing.writeHead(res.status, { ...Object.fromEntries(res.headers), "content-length": length });
        outgoing.end(incoming.method === "HEAD" ? undefined : body);
      });
    }
    if (o.lane?.(incoming, outgoing)) return;
    parsing = incoming;
    try {
      return listener(incoming, outgoing);
    } finally {
      parsing = undefined;
    }
  });

  server.on("clientError", (e: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const error =
      e.code === "HPE_HEADER_OVERFLOW"
        ? new GatewayError("headers_too_large", "The request's headers are too large.")
        : e.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? new GatewayError("request_timeout", "The request's headers did not arrive in time.")
          : new GatewayError("bad_request", "The request could not be parsed.");
    // the target, when the request line got that far, decides the dialect of the answer
    const [method, target] = (e.rawPacket?.toString("latin1") ?? "").split(/[ \r\n]/, 2);
    void refuse(target, method, error).then((res) => writeRaw(socket, res));
  });

  server.on("connect", (req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => socket.destroy()); // a client gone meanwhile is no error of ours
    const error = new GatewayError("method_not_allowed", "CONNECT is not served: this gateway is not a proxy.", {
      allow: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    });
    void refuse(req.url, "GET", error).then((res) => writeRaw(socket, res));
  });
  return server;
}

/** An answer written straight to a socket Node has not wrapped in a response; then closed. */
async function writeRaw(socket: Duplex, res: Response): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer());
  if (!socket.writable) return void socket.destroy();
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ""}`];
  res.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "connection") lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), body]));
}
