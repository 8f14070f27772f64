import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { realProcessFiles, startFirst } from "./support/slow-files.ts";

const root = path.resolve(import.meta.dirname, "..");
const testFiles = readdirSync(path.join(root, "test"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => `test/${f.split(path.sep).join("/")}`)
  .sort();

/**
 * A file that starts a process imports what does it: node:child_process, playwright, or the test
 * helpers that start the gateway, its command line or a client.
 */
const startsAProcess = (text: string) =>
  /from "(node:child_process|playwright-core)"/.test(text) ||
  /import \{[^}]*\b(startGateway|startBackendGateway|runCli|runClient|buildGoClient|run|binPath)\b[^}]*\} from/.test(text);

// The lists that `npm test` orders the files by and `npm run test:fast` leaves out.
describe("the test suite's own lists (test/support/slow-files.ts)", () => {
  it("every file that starts a process is a real-process file (left out of npm run test:fast)", () => {
    const starting = testFiles.filter((f) => startsAProcess(readFileSync(path.join(root, f), "utf8")));
    expect(starting.filter((f) => !realProcessFiles.includes(f))).toEqual([]);
    // and the detection finds them: the list is no longer than what it finds
    expect([...realProcessFiles].sort()).toEqual(starting);
  });

  it("names only files that exist", () => {
    expect(startFirst.filter((f) => !testFiles.includes(f))).toEqual([]);
    expect(new Set(startFirst).size).toBe(startFirst.length);
  });
});
