import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendGateway, gatewayBackends, startBackendGateway } from "./gateways.ts";
import {
  adminPassword,
  adminToken,
  expectScenarios,
  hiddenRegion,
  readerPassword,
  realRegion,
  scenarios,
} from "./keystone-scenarios.ts";
import { buildGoClient, runClient } from "./scenario-runner.ts";
import { call, createCredential, createKeystoneRegion } from "./support.ts";

// Three Keystone clients nobody on this project wrote, unmodified (Debian's packages), against the
// gateway as a real process: openstacksdk, python-keystoneclient (with keystoneauth1's Token and
// Password plugins) and gophercloud (the library under Terraform's OpenStack provider). Each client
// runs all its scenarios in one process: the start-up (python imports, go build) is the slow part.
const python = "/usr/bin/python3";
const pythonHas = (module: string) => existsSync(python) && spawnSync(python, ["-c", `import ${module}`]).status === 0;
const gophercloudDir = "/usr/share/gocode/src/github.com/gophercloud/gophercloud/openstack/identity/v3/regions";
const clientsAvailable = {
  sdk: pythonHas("openstack"),
  keystoneclient: pythonHas("keystoneclient") && pythonHas("keystoneauth1"),
  gophercloud: existsSync("/usr/bin/go") && existsSync(gophercloudDir),
};
const skipNote = {
  sdk: "SKIPPED: python3-openstacksdk is missing (apt-get install python3-openstacksdk)",
  keystoneclient: "SKIPPED: python3-keystoneclient is missing (apt-get install python3-keystoneclient)",
  gophercloud: "SKIPPED: go or gophercloud is missing (apt-get install golang-go golang-github-gophercloud-gophercloud-dev)",
};
const title = (client: keyof typeof clientsAvailable, text: string) =>
  clientsAvailable[client] ? text : `${text}: ${skipNote[client]}`;

// gophercloud-client.go is built once for both backends (a go build is ~0.4 s of CPU even with
// the compiled gophercloud packages cached), the first time a backend's suite starts
const goDir = mkdtempSync(path.join(tmpdir(), "rg-gophercloud-"));
let goBuild: Promise<string> | undefined;
const goClient = () => {
  goBuild ??= clientsAvailable.gophercloud ? buildGoClient(goDir) : Promise.resolve("");
  goBuild.catch(() => {});
  return goBuild;
};
afterAll(() => rmSync(goDir, { recursive: true, force: true }));

for (const backend of gatewayBackends) {
  const label = backend.available ? backend.name : `${backend.name}: SKIPPED, TEST_DATABASE_URL is not set`;
  describe.skipIf(!backend.available)(`Keystone clients against a running gateway (${label})`, () => {
    let gateway: BackendGateway;
    let url: string;
    const tokens = { admin: "", reader: "", revoked: "" };
    let goBinary: Promise<string>;

    beforeAll(async () => {
      // the go build runs while the gateway starts
      goBinary = goClient();
      gateway = await startBackendGateway(backend, { ADMIN_TOKEN: adminToken });
      url = gateway.gw.url;
      await createKeystoneRegion(url, adminToken, { id: realRegion, description: "the real one" });
      await createKeystoneRegion(url, adminToken, { id: hiddenRegion, type: "private" });
      const created = await Promise.all([
        createCredential(url, adminToken, { type: "token", role: "admin", name: "clients-admin" }),
        createCredential(url, adminToken, { type: "token", role: "reader", name: "clients-reader" }),
        createCredential(url, adminToken, { type: "token", role: "reader", name: "clients-revoked" }),
        ...(["sdk", "kc", "gc"] as const).flatMap((p) => [
          createCredential(url, adminToken, {
            type: "password",
            role: "admin",
            user_name: `${p}-admin`,
            password: adminPassword,
          }),
          createCredential(url, adminToken, {
            type: "password",
            role: "reader",
            user_name: `${p}-reader`,
            password: readerPassword,
          }),
        ]),
      ]);
      tokens.admin = created[0]?.token as string;
      tokens.reader = created[1]?.token as string;
      tokens.revoked = created[2]?.token as string;
      await call(url, "DELETE", `/admin/v1/credentials/${created[2]?.id}`, { token: adminToken, expect: 204 });
    });
    afterAll(async () => {
      if (gateway) expect(await gateway.stop()).toBe(0);
    });

    it.skipIf(!clientsAvailable.sdk)(
      title("sdk", "openstacksdk: openstack.connect(auth_type=v3token|password, region_name=…)"),
      async () => {
        const run = await runClient({ kind: "python", client: "sdk" }, `${url}/v3`, scenarios("sdk", tokens));
        expectScenarios("sdk", "sdk", run);
      },
    );

    it.skipIf(!clientsAvailable.keystoneclient)(
      title("keystoneclient", "python-keystoneclient: v3.Client with keystoneauth1 Token and Password"),
      async () => {
        const run = await runClient({ kind: "python", client: "keystoneclient" }, `${url}/v3`, scenarios("kc", tokens));
        expectScenarios("keystoneclient", "kc", run);
      },
    );

    it.skipIf(!clientsAvailable.gophercloud)(
      title("gophercloud", "gophercloud 0.12: AuthOptions{TokenID} (Terraform's path) and password, EndpointOpts{Region}"),
      async () => {
        const run = await runClient({ kind: "go", binary: await goBinary }, `${url}/v3/`, scenarios("gc", tokens));
        expectScenarios("gophercloud", "gc", run);
      },
    );
  });
}
