import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./test/support/sequencer.ts";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/fast-check-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // two cores: PGlite and the CLI processes are CPU-bound
    maxWorkers: 2,
    // A worker runs file after file without loading src/, hono, drizzle and PGlite again for each:
    // about half the CPU of the in-process suites. Nothing in the tests relies on a fresh module
    // (no mocks, no module-level state left behind: each suite opens and closes its own database).
    isolate: false,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
