import { readFile, writeFile } from "node:fs/promises";
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";

/**
 * Exit codes of the commands: 0 done, 1 the document or some of its records were
 * refused (nothing written), 2 usage, file, authentication or connection error.
 */
export const exitCodes = { ok: 0, rejected: 1, usage: 2 } as const;

/** An error the CLI reports as one line, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Usage errors exit 2 (commander's own default is 1); help exits 0. */
export function usageExits(cmd: Command): Command {
  // one line: the error, without the whole help after it
  return cmd.showHelpAfterError(false).exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : exitCodes.usage);
  });
}

/** Runs a command's action: every failure is one line on standard error, never a stack trace. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    try {
      process.exitCode = await fn(...args);
    } catch (e) {
      const code = e instanceof CliError ? e.exitCode : exitCodes.usage;
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`region-gateway: ${message.split("\n")[0]}\n`);
      process.exitCode = code;
    }
  };
}

/** The text of FILE, or of standard input when there is no file (or it is "-"). */
export async function readInput(file: string | undefined): Promise<string> {
  if (file && file !== "-") {
    try {
      return await readFile(file, "utf8");
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, exitCodes.usage);
    }
  }
  if (process.stdin.isTTY) throw new CliError("no input: give a FILE or pipe a document to standard input", exitCodes.usage);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes to OUT, or to standard output when there is none (or it is "-"). */
export async function writeOutput(out: string | undefined, text: string): Promise<void> {
  if (!out || out === "-") {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
    return;
  }
  try {
    await writeFile(out, text);
  } catch (e) {
    throw new CliError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, exitCodes.usage);
  }
}

export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** fetch with a one-line error (exit 2) when the server cannot be reached. */
export async function fetchOrFail(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, exitCodes.usage);
  }
}

/** The message of an error answer, whichever dialect wrote it. */
export function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string }; msg?: string; detail?: string };
    const message = body.error?.message ?? body.msg ?? body.detail;
    if (message) return `${status} ${message}`;
  } catch {
    // not JSON
  }
  return `${status} ${text.replace(/\s+/g, " ").slice(0, 200)}`;
}

/**
 * Progress on standard error: a cli-progress bar on a terminal, plain lines otherwise (logs and
 * pipes get one line per step, never carriage returns).
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private bar: SingleBar | null = null;

  constructor(private readonly quiet = false) {}

  update(label: string, done?: number, total?: number): void {
    if (this.quiet) return;
    if (!this.tty || (total === undefined && !this.bar)) {
      // a bar needs a total: without one (a single upload), a plain line
      const counts = done === undefined ? "" : total ? ` ${done}/${total}` : ` ${done}`;
      process.stderr.write(`${label}${counts}\n`);
      return;
    }
    if (!this.bar) {
      this.bar = new SingleBar(
        { stream: process.stderr, format: "{bar} {label} {value}/{total}", hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      this.bar.start(total ?? 0, done ?? 0, { label });
    }
    if (total !== undefined) this.bar.setTotal(total);
    this.bar.update(done ?? 0, { label });
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  end(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
