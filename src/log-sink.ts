import type { Writable } from "node:stream";

/** Bytes of log lines held in memory while the reader is slow; beyond, lines are dropped. */
export const maxBufferedBytes = 1024 * 1024;

export interface LogSink {
  /** one formatted line (pino calls this) */
  write(line: string): void;
  /** lines dropped so far: the reader was too slow, or gone */
  readonly dropped: number;
  /** resolves once everything written has been handed to the OS, or after `timeoutMs` */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * Log lines to a stream (stdout) that never blocks the process and never grows without bound.
 * On a pipe, process.stdout buffers in memory and writes when the pipe drains; a reader that
 * stops reading would make that buffer grow, and a file-descriptor write blocked on the pipe
 * would keep the process from exiting. Here a line that would take what is held over `maxBytes`
 * is dropped and counted, a broken pipe (EPIPE) drops everything after it, and once the reader
 * catches up a line says how many were lost.
 *
 * Lines are handed to the stream once per turn of the event loop, together: one write (one
 * system call on a file or a pipe) for all the requests answered in that turn, not one each.
 */
export function createLogSink(stream: Writable, maxBytes = maxBufferedBytes): LogSink {
  let dropped = 0;
  let reported = 0;
  let broken = false;
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  stream.on("error", () => {
    // EPIPE and the like: the reader is gone and will not come back
    broken = true;
  });
  const writePending = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    pendingBytes = 0;
    if (broken || stream.destroyed) {
      dropped += lines.length;
      return;
    }
    // the reader has caught up: after the lines that were held, say how many were lost
    if (dropped > reported && stream.writableLength === 0) {
      const lost = dropped - reported;
      reported = dropped;
      lines.push(
        `${JSON.stringify({ level: 40, time: Date.now(), msg: "log lines dropped: the log reader was too slow", dropped: lost })}\n`,
      );
    }
    stream.write(lines.join(""));
  };
  return {
    write(line) {
      const bytes = Buffer.byteLength(line);
      if (broken || stream.destroyed || stream.writableLength + pendingBytes + bytes > maxBytes) {
        dropped++;
        return;
      }
      pending.push(line);
      pendingBytes += bytes;
      if (!scheduled) {
        scheduled = true;
        setImmediate(writePending);
      }
    },
    get dropped() {
      return dropped;
    },
    async flush(timeoutMs) {
      writePending();
      const deadline = Date.now() + timeoutMs;
      while (!broken && !stream.destroyed && stream.writableLength > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
