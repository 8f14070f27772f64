import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { type BackendGateway, gatewayBackends, startBackendGateway } from "./gateways.ts";
import { type CliResult, call, createCredential, createKeystoneRegion, run } from "./support.ts";

// Debian's python3-openstackclient (OSC 6.0 over python-keystoneclient), unmodified, against the
// gateway as a real process, on each backend. Each CLI call costs 2–4 s, so independent calls run
// side by side.
const openstack = "/usr/bin/openstack";
const available = existsSync(openstack);
const title = available
  ? "openstack CLI (python3-openstackclient) against a running gateway"
  : "openstack CLI: SKIPPED, /usr/bin/openstack is missing (apt-get install python3-openstackclient)";

interface ListRow {
  Region: string;
  "Parent Region": string | null;
  Description: string;
}
interface ShowRow {
  region: string;
  parent_region: string | null;
  description: string;
  [key: string]: unknown;
}

const json = <T>(r: CliResult): T => {
  if (r.code !== 0) throw new Error(`openstack exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
};
const byRegion = (rows: ListRow[]) => [...rows].sort((a, b) => a.Region.localeCompare(b.Region));

for (const backend of gatewayBackends) {
  describe.skipIf(!available || !backend.available)(
    `${title} (${backend.available ? backend.name : `${backend.name}: SKIPPED, TEST_DATABASE_URL is not set`})`,
    () => {
      const adminToken = "cli-admin-token-0123456789abcdef";
      // a HOME of its own: no clouds.yaml or cache from the machine can leak into the runs
      const home = mkdtempSync(path.join(tmpdir(), "rg-osc-home-"));
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
      let gateway: BackendGateway;
      let gw: BackendGateway["gw"];

      beforeAll(async () => {
        gateway = await startBackendGateway(backend, { ADMIN_TOKEN: adminToken });
        gw = gateway.gw;
      });
      afterAll(async () => {
        if (gateway) expect(await gateway.stop()).toBe(0);
        rmSync(home, { recursive: true, force: true });
      });

      // The CLI costs seconds a call: on PostgreSQL only the logins run (their region list, show,
      // create and cascading delete included); the same region operations through the library the
      // CLI uses (python-keystoneclient) run on both backends in keystone-clients.test.ts.
      describe.skipIf(backend.name !== "pglite")("--os-auth-type admin_token, clean environment (PATH and HOME only)", () => {
        const osc = (...args: string[]) =>
          run(
            openstack,
            ["--os-auth-type", "admin_token", "--os-endpoint", `${gw.url}/v3`, "--os-token", adminToken, ...args],
            env,
          );
        const parent = "osc-north";
        const child = "osc-north-1a";
        const description = "North 1 — 华北一";

        it("region create prints the created region; --parent-region creates a child", async () => {
          const created = json<ShowRow>(await osc("region", "create", parent, "--description", description, "-f", "json"));
          expect(created).toEqual({
            region: parent,
            description,
            parent_region: null,
            enabled: true,
            type: "public",
            locales: { "zh-cn": parent, "en-us": parent },
          });
          const createdChild = json<ShowRow>(await osc("region", "create", child, "--parent-region", parent, "-f", "json"));
          expect(createdChild).toMatchObject({ region: child, parent_region: parent, description: "" });
          // what the gateway stored, read back over HTTP
          const stored = await call(gw.url, "GET", `/v3/regions/${child}`, { token: adminToken, expect: 200 });
          expect(stored.body).toMatchObject({ region: { id: child, parent_region_id: parent, type: "public" } });
        });

        it("region list -f json, region show -f json, region set --description", async () => {
          const [list, show, set] = await Promise.all([
            osc("region", "list", "-f", "json"),
            osc("region", "show", parent, "-f", "json"),
            osc("region", "set", child, "--description", "new"),
          ]);
          // the list ran alongside the set: the child's description is the old or the new one
          const rows = byRegion(json<ListRow[]>(list));
          expect(["", "new"]).toContain(rows[1]?.Description);
          expect(rows).toEqual([
            { Region: parent, "Parent Region": null, Description: description },
            { Region: child, "Parent Region": parent, Description: rows[1]?.Description },
          ]);
          expect(json<ShowRow>(show)).toMatchObject({ region: parent, parent_region: null, description });
          expect(set.code, set.stderr).toBe(0);
          expect(set.stdout).toBe("");
          // region set prints nothing: what it sent (PATCH) is read back over HTTP, saving a 2–4 s CLI call
          const after = await call(gw.url, "GET", `/v3/regions/${child}`, { token: adminToken, expect: 200 });
          expect(after.body).toMatchObject({ region: { id: child, parent_region_id: parent, description: "new" } });
        });

        it("region delete of the parent removes the child too; show of an unknown region fails", async () => {
          const deleted = await osc("region", "delete", parent);
          expect(deleted.code, deleted.stderr).toBe(0);
          const [list, showChild, showUnknown] = await Promise.all([
            osc("region", "list", "-f", "json"),
            osc("region", "show", child),
            osc("region", "show", "does-not-exist"),
          ]);
          expect(json<ListRow[]>(list)).toEqual([]);
          expect(showChild.code).not.toBe(0);
          expect(showChild.stderr).toContain(`No region with a name or ID of '${child}' exists.`);
          expect(showUnknown.code).not.toBe(0);
          expect(showUnknown.stderr).toContain("No region with a name or ID of 'does-not-exist' exists.");
          expect(showUnknown.stdout).toBe("");
        });
      });

      describe("--os-auth-type v3token with stored tokens; --os-region-name", () => {
        const v3token = (token: string, region: string | null, ...args: string[]) =>
          run(
            openstack,
            [
              "--os-auth-type",
              "v3token",
              "--os-auth-url",
              `${gw.url}/v3`,
              "--os-token",
              token,
              "--os-identity-api-version",
              "3",
              ...(region ? ["--os-region-name", region] : []),
              ...args,
            ],
            env,
          );

        it("an rgt_ credential and ADMIN_TOKEN log in, in no region, RegionOne or a real one; a revoked token and an unknown region fail", async () => {
          await createKeystoneRegion(gw.url, adminToken, { id: "osc-real", description: "real" });
          onTestFinished(() => call(gw.url, "DELETE", "/v3/regions/osc-real", { token: adminToken }).then(() => {}));
          const admin = await createCredential(gw.url, adminToken, { type: "token", role: "admin", name: "osc-admin" });
          const revoked = await createCredential(gw.url, adminToken, { type: "token", role: "reader", name: "osc-revoked" });
          await call(gw.url, "DELETE", `/admin/v1/credentials/${revoked.id}`, { token: adminToken, expect: 204 });
          const token = admin.token as string;

          const [list, show, create, regionOne, gone, nowhere] = await Promise.all([
            v3token(token, null, "region", "list", "-f", "json"),
            v3token(token, "osc-real", "region", "show", "osc-real", "-f", "json"),
            v3token(adminToken, "osc-real", "region", "create", "osc-by-token", "--parent-region", "osc-real", "-f", "json"),
            v3token(token, "RegionOne", "region", "list", "-f", "json"),
            v3token(revoked.token as string, null, "region", "list"),
            v3token(token, "nowhere", "region", "list"),
          ]);
          expect(json<ListRow[]>(list).map((r) => r.Region)).toContain("osc-real");
          expect(json<ShowRow>(show)).toMatchObject({ region: "osc-real", description: "real", parent_region: null });
          expect(json<ShowRow>(create)).toMatchObject({ region: "osc-by-token", parent_region: "osc-real" });
          // (the list ran alongside the create: it may or may not show osc-by-token yet)
          expect(json<ListRow[]>(regionOne).map((r) => r.Region)).toContain("osc-real");
          expect(gone.code).not.toBe(0);
          expect(gone.stderr).toContain("(HTTP 401)");
          expect(nowhere.code).not.toBe(0);
          expect(nowhere.stderr).toContain("public endpoint for identity service in nowhere region not found");
          await call(gw.url, "DELETE", "/v3/regions/osc-real", { token: adminToken, expect: 204 });
        });
      });

      describe("password authentication through POST /v3/auth/tokens", () => {
        const userName = "osc-reader";
        const password = "osc-reader-password-42";
        const password_ = (user: string, pass: string, ...args: string[]) =>
          run(
            openstack,
            [
              "--os-auth-url",
              `${gw.url}/v3`,
              "--os-username",
              user,
              "--os-password",
              pass,
              "--os-user-domain-name",
              "Default",
              "--os-project-name",
              "demo",
              "--os-project-domain-name",
              "Default",
              "--os-identity-api-version",
              "3",
              ...args,
            ],
            env,
          );

        it("a reader sees the public regions and its granted private region; a write is refused with 403", async () => {
          await createKeystoneRegion(gw.url, adminToken, { id: "osc-public-1", description: "public one" });
          await createKeystoneRegion(gw.url, adminToken, { id: "osc-public-2" });
          await createKeystoneRegion(gw.url, adminToken, { id: "osc-private-granted", type: "private" });
          await createKeystoneRegion(gw.url, adminToken, { id: "osc-private-hidden", type: "private" });
          await createCredential(gw.url, adminToken, {
            type: "password",
            user_name: userName,
            password,
            role: "reader",
            private_regions: ["osc-private-granted"],
          });

          const [list, create, wrongPassword] = await Promise.all([
            // the identity endpoint is found in a real region's catalogue entry too
            password_(userName, password, "--os-region-name", "osc-public-1", "region", "list", "-f", "json"),
            password_(userName, password, "region", "create", "osc-not-allowed"),
            password_(userName, "not-the-password", "region", "list", "-f", "json"),
          ]);
          expect(byRegion(json<ListRow[]>(list))).toEqual([
            { Region: "osc-private-granted", "Parent Region": null, Description: "" },
            { Region: "osc-public-1", "Parent Region": null, Description: "public one" },
            { Region: "osc-public-2", "Parent Region": null, Description: "" },
          ]);

          expect(create.code).not.toBe(0);
          expect(create.stderr).toMatch(/not authorized.*\(HTTP 403\)/);
          expect((await call(gw.url, "GET", "/v3/regions/osc-not-allowed", { token: adminToken })).status).toBe(404);

          expect(wrongPassword.code).not.toBe(0);
          expect(wrongPassword.stderr).toContain("(HTTP 401)");
          expect(wrongPassword.stdout).toBe("");

          // the CLI really went through the token endpoint (the request log has method, path, status;
          // the gateway logs a request once it has answered it, so a line may come in after the answer)
          await vi.waitFor(
            () => {
              const tokenRequests = gw
                .output()
                .split("\n")
                .filter((l) => l.includes('"path":"/v3/auth/tokens"') && l.includes('"method":"POST"'));
              expect(tokenRequests.filter((l) => l.includes('"status":201')).length).toBeGreaterThanOrEqual(2);
              expect(tokenRequests.filter((l) => l.includes('"status":401')).length).toBeGreaterThanOrEqual(1);
            },
            { timeout: 10_000 },
          );
        });
      });
    },
  );
}
