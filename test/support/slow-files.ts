/**
 * The test files that start the gateway, its command line or a real client (`openstack`, the Python
 * and Go clients, the Huawei SDK against a gateway process) as processes. `npm run test:fast`
 * (vitest.fast.config.ts) leaves them out; `npm test` runs them. A new such file belongs here.
 */
export const realProcessFiles = [
  "test/clients/openstack-cli.test.ts",
  "test/cli/import-export.test.ts",
  "test/readme.test.ts",
  "test/identity/cli.test.ts",
  "test/process.test.ts",
  "test/clients/keystone-clients.test.ts",
  "test/clients/secrets-at-rest.test.ts",
  "test/clients/huawei-sdk.test.ts",
  "test/cli/certs.test.ts",
  "test/log-pipe.test.ts",
  "test/process-logs.test.ts",
  "test/cli/convert.test.ts",
  "test/cli/source-limits.test.ts",
  "test/build.test.ts",
];

/**
 * The slowest files, slowest first (on a 2-core machine): `npm test` starts them before the others
 * (test/support/sequencer.ts), so that no long file is left running alone at the end of the run.
 */
export const startFirst = [
  "test/clients/openstack-cli.test.ts",
  "test/cli/import-export.test.ts",
  "test/readme.test.ts",
  "test/http/hardening.test.ts",
  "test/fuzz/write-routes.test.ts",
  "test/identity/cli.test.ts",
  "test/process.test.ts",
  "test/clients/keystone-clients.test.ts",
  "test/clients/secrets-at-rest.test.ts",
  "test/clients/huawei-sdk.test.ts",
  "test/cli/certs.test.ts",
  "test/log-pipe.test.ts",
  "test/process-logs.test.ts",
  "test/http/password-limiter.test.ts",
];
