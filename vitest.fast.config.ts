import { defineConfig, mergeConfig } from "vitest/config";
import { realProcessFiles } from "./test/support/slow-files.ts";
import base from "./vitest.config.ts";

// `npm run test:fast`: the in-process suites only, for the edit-test loop; `npm test` runs everything.
export default mergeConfig(base, defineConfig({ test: { exclude: ["**/node_modules/**", ...realProcessFiles] } }));
