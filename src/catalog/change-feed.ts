import type { Database } from "../db/client.ts";
import { readVersion } from "../db/regions-repo.ts";

export interface ChangeFeedOptions {
  /** told of a committed catalogue version: notified by another writer, or read by a poll */
  onVersion: (version: number) => void;
  /** how often to read the version from the database (ms); 0 disables */
  pollIntervalMs: number;
  onError?: ((message: string, error: unknown) => void) | undefined;
  /** counted by the metrics: a version poll failed, or the listener could not start */
  onFailure?: ((kind: "poll" | "listen") => void) | undefined;
}

/**
 * How one instance hears of the others' commits on a shared PostgreSQL: `LISTEN` for each write's
 * `pg_notify`, a version poll every `pollIntervalMs` should a notification be lost, and a poll each
 * time the listener (re)connects (notifications sent while it was away are lost). PGlite belongs to
 * one process: there is nobody else to hear. Resolves to the function that stops listening.
 */
export async function watchCatalogVersion(database: Database, o: ChangeFeedOptions): Promise<() => Promise<void>> {
  if (database.kind !== "postgres") return async () => {};
  const poll = async () => {
    try {
      o.onVersion(await readVersion(database.db));
    } catch (e) {
      o.onError?.("catalogue version poll failed", e);
      o.onFailure?.("poll");
    }
  };
  let stopListening = await database
    .listen(
      (version) => o.onVersion(version),
      () => void poll(),
    )
    .catch((e) => {
      o.onError?.("LISTEN failed; relying on polling", e);
      o.onFailure?.("listen");
      return null;
    });
  let timer: NodeJS.Timeout | null = null;
  if (o.pollIntervalMs > 0) {
    timer = setInterval(() => void poll(), o.pollIntervalMs);
    timer.unref();
  }
  return async () => {
    if (timer) clearInterval(timer);
    timer = null;
    if (stopListening) await stopListening().catch(() => {});
    stopListening = null;
  };
}
