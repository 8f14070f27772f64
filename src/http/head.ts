/**
 * HEAD is served by the GET handlers: the request is dispatched as a GET. What the client sent
 * still matters where the method is part of what it proved (an AK/SK signature covers it).
 */
const sentAsHead = new WeakSet<Request>();

/** The GET that serves a HEAD request. */
export function asGet(head: Request): Request {
  const get = new Request(head, { method: "GET" });
  sentAsHead.add(get);
  return get;
}

/** The method the client sent. */
export const sentMethod = (req: Request): string => (sentAsHead.has(req) ? "HEAD" : req.method);
