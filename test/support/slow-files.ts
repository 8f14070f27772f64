/**
 * The test files that start processes: the gateway, its command line, a real client (`openstack`,
 * the Python and Go clients, Chromium) or any other program. `npm run test:fast`
 * (vitest.fast.config.ts) leaves them out; `npm test` runs them. test/test-suite.test.ts fails
 * when a file that starts a process is missing here.
 */
export const realProcessFiles = [
  "test/build.test.ts",
  "test/cli/certs.test.ts",
  "test/cli/convert.test.ts",
  "test/cli/import-export.test.ts",
  "test/cli/source-limits.test.ts",
  "test/clients/huawei-sdk.test.ts",
  "test/clients/keystone-clients.test.ts",
  "test/clients/openstack-cli.test.ts",
  "test/clients/secrets-at-rest.test.ts",
  "test/docs-page.test.ts",
  "test/identity/cli.test.ts",
  "test/log-pipe.test.ts",
  "test/log-sink.test.ts",
  "test/package.test.ts",
  "test/process-logs.test.ts",
  "test/process.test.ts",
  "test/readme.test.ts",
];

/**
 * The slowest files, slowest first (as measured on the 2-core machine): `npm test` starts them
 * before the others (test/support/sequencer.ts), so that no long file is left running alone at
 * the end of the run while the other worker has nothing left to do.
 */
export const startFirst = [
  "test/clients/openstack-cli.test.ts",
  "test/cli/import-export.test.ts",
  "test/readme.test.ts",
  "test/package.test.ts",
  "test/process.test.ts",
  "test/docs-page.test.ts",
  "test/http/hardening.test.ts",
  "test/identity/cli.test.ts",
  "test/http/password-limiter.test.ts",
  "test/http/keystone-auth.test.ts",
  "test/cli/convert.test.ts",
  "test/clients/keystone-clients.test.ts",
  "test/process-logs.test.ts",
  "test/fuzz/write-routes.test.ts",
  "test/migration/import-api.test.ts",
  "test/clients/secrets-at-rest.test.ts",
  "test/log-pipe.test.ts",
  "test/clients/huawei-sdk.test.ts",
  "test/cli/certs.test.ts",
];
