import type { IncomingMessage } from "node:http";

/**
 * A request header read from Node's raw list, without building `incoming.headers` (which costs
 * a small answer's request a few per cent): its value when sent once, `null` when sent more than
 * once (Node and the app join or drop repeats differently: the app decides those), undefined
 * when absent.
 */
export function rawHeader(incoming: IncomingMessage, lowerName: string): string | null | undefined {
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      if (value !== undefined) return null;
      value = raw[i + 1] as string;
    }
  }
  return value;
}
