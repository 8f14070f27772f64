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
 * would keep the process from exiting. Here a line that would take the buffer over `maxBytes` is
 * dropped and counted, a broken pipe (EPIPE) drops everything after it, and once the reader
 * catches up a line says how many were lost.
 */
export function createLogSink(stream: Writable, maxBytes = maxBufferedBytes): LogSink {
  let dropped = 0;
  let reported = 0;
  let broken = false;
  stream.on("error", () => {
    // EPIPE and the like: the reader is gone and will not come back
    broken = true;
  });
  const fits = (line: string) => stream.writableLength + Buffer.byteLength(line) <= maxBytes;
  return {
    write(line) {
      if (broken || stream.destroyed || !fits(line)) {
        dropped++;
        return;
      }
      if (dropped > reported && stream.writableLength === 0) {
        const lost = dropped - reported;
        reported = dropped;
        stream.write(
          `${JSON.stringify({ level: 40, time: Date.now(), msg: "log lines dropped: the log reader was too slow", dropped: lost })}\n`,
        );
      }
      stream.write(line);
    },
    get dropped() {
      return dropped;
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!broken && !stream.destroyed && stream.writableLength > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
