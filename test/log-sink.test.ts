import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogSink } from "../src/log-sink.ts";

const line = (i: number) => `${JSON.stringify({ level: 30, msg: "request", i, pad: "x".repeat(80) })}\n`;

// Real pipes to real processes: one that never reads, one that reads late, one that dies.
describe("the log sink", () => {
  it("holds at most its bound while the reader does not read, dropping and counting the rest", async () => {
    const reader = spawn("sleep", ["30"], { stdio: ["pipe", "ignore", "ignore"] });
    const sink = createLogSink(reader.stdin as Writable, 64 * 1024);
    for (let i = 0; i < 20_000; i++) sink.write(line(i));
    expect((reader.stdin as Writable).writableLength).toBeLessThanOrEqual(64 * 1024);
    expect(sink.dropped).toBeGreaterThan(10_000);
    const started = Date.now();
    await sink.flush(200);
    expect(Date.now() - started).toBeLessThan(2_000);

    // the reader dies: writes hit EPIPE, nothing throws, everything after is dropped
    reader.kill("SIGKILL");
    await once(reader, "exit");
    const before = sink.dropped;
    for (let i = 0; i < 1_000; i++) sink.write(line(i));
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 1_000; i++) sink.write(line(i));
    expect(sink.dropped).toBeGreaterThan(before);
    await sink.flush(100);
  });

  it("says how many lines were lost once a slow reader catches up", async () => {
    const reader = spawn("cat", [], { stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    const stdout = reader.stdout as NonNullable<typeof reader.stdout>;
    stdout.setEncoding("utf8");
    stdout.on("data", (d) => {
      out += d;
    });
    stdout.pause();
    const sink = createLogSink(reader.stdin as Writable, 32 * 1024);
    for (let i = 0; i < 10_000; i++) sink.write(line(i));
    const lost = sink.dropped;
    expect(lost).toBeGreaterThan(0);
    stdout.resume();
    await sink.flush(5_000);
    sink.write(line(-1));
    await sink.flush(5_000);
    (reader.stdin as Writable).end();
    await once(reader, "exit");
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(10_000 - lost + 2);
    expect(JSON.parse(lines.at(-2) as string)).toMatchObject({ level: 40, dropped: lost });
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ i: -1 });
  });
});
