import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendGateway, gatewayBackends, startBackendGateway } from "./gateways.ts";
import { buildGoClient, type ClientRun, runClient, type Scenario } from "./scenario-runner.ts";
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

const adminToken = "clients-admin-token-0123456789abcdef";
const realRegion = "clients-real";
const hiddenRegion = "clients-hidden";
const readerPassword = "clients-reader-password-1";
const adminPassword = "clients-admin-password-1";

/** The scenarios every client runs: token and password logins, region names, region CRUD. */
function scenarios(p: string, tokens: { admin: string; reader: string; revoked: string }): Scenario[] {
  return [
    {
      // unscoped token login: gophercloud validates it with GET /v3/auth/tokens (Terraform's `token =`),
      // the Python clients exchange it through the token method
      name: "stored admin token, no project, no region: region CRUD",
      auth: { type: "v3token", token: tokens.admin },
      project: null,
      region_name: null,
      ops: [
        { op: "create", id: `${p}-parent`, description: "Parent" },
        { op: "create", id: `${p}-child`, parent: `${p}-parent` },
        { op: "get", id: `${p}-child` },
        { op: "update", id: `${p}-child`, description: "changed" },
        { op: "list", parent: `${p}-parent` },
        { op: "delete", id: `${p}-parent` },
        { op: "get", id: `${p}-child` },
      ],
    },
    {
      name: "stored admin token, project-scoped, in a real region",
      auth: { type: "v3token", token: tokens.admin },
      project: "demo",
      region_name: realRegion,
      ops: [{ op: "get", id: realRegion }],
    },
    {
      name: "ADMIN_TOKEN itself, region RegionOne",
      auth: { type: "v3token", token: adminToken },
      project: null,
      region_name: "RegionOne",
      ops: [{ op: "get", id: hiddenRegion }],
    },
    {
      name: "password login (admin) in a real region",
      auth: { type: "password", username: `${p}-admin`, password: adminPassword },
      project: "admin",
      region_name: realRegion,
      ops: [
        { op: "create", id: `${p}-pw` },
        { op: "delete", id: `${p}-pw` },
        { op: "get", id: `${p}-pw` },
      ],
    },
    {
      name: "stored reader token: sees the public regions, cannot write",
      auth: { type: "v3token", token: tokens.reader },
      project: null,
      region_name: null,
      ops: [{ op: "list" }, { op: "create", id: `${p}-nope` }, { op: "get", id: hiddenRegion }],
    },
    {
      name: "password login (reader), no project, region RegionOne",
      auth: { type: "password", username: `${p}-reader`, password: readerPassword },
      project: null,
      region_name: "RegionOne",
      ops: [{ op: "get", id: realRegion }],
    },
    {
      name: "a region the catalogue does not have",
      auth: { type: "v3token", token: tokens.admin },
      project: null,
      region_name: "nowhere",
      ops: [{ op: "get", id: realRegion }],
    },
    {
      name: "a revoked stored token",
      auth: { type: "v3token", token: tokens.revoked },
      project: null,
      region_name: null,
      ops: [{ op: "list" }],
    },
    {
      name: "a wrong password",
      auth: { type: "password", username: `${p}-reader`, password: "not-the-password" },
      project: null,
      region_name: null,
      ops: [{ op: "list" }],
    },
  ];
}

const region = (id: string, description = "", parent: string | null = null) => ({
  id,
  description,
  // gophercloud's Region has a plain string: a null parent reads as ""
  parent_region_id: parent,
});

/** What every client must report for the scenarios above. */
function expectScenarios(client: keyof typeof clientsAvailable, p: string, run: ClientRun) {
  const byName = new Map(run.map((s) => [s.name, s]));
  const scenario = (name: string) => {
    const s = byName.get(name);
    if (!s) throw new Error(`scenario missing from the output: ${name}`);
    return s;
  };
  const noParent = client === "gophercloud" ? "" : null;
  const r = (id: string, description = "", parent: string | null = noParent) => region(id, description, parent);

  const crud = scenario("stored admin token, no project, no region: region CRUD");
  expect(crud.login, JSON.stringify(crud)).toEqual({ ok: true });
  expect(crud.results.slice(0, 6)).toEqual([
    { ok: true, value: r(`${p}-parent`, "Parent") },
    { ok: true, value: r(`${p}-child`, "", `${p}-parent`) },
    { ok: true, value: r(`${p}-child`, "", `${p}-parent`) },
    { ok: true, value: r(`${p}-child`, "changed", `${p}-parent`) },
    { ok: true, value: [r(`${p}-child`, "changed", `${p}-parent`)] },
    { ok: true },
  ]);
  // the delete cascaded: the child is gone too
  expect(crud.results[6]).toMatchObject({ ok: false, status: 404 });

  const scoped = scenario("stored admin token, project-scoped, in a real region");
  expect(scoped.login, JSON.stringify(scoped)).toEqual({ ok: true });
  expect(scoped.results).toEqual([{ ok: true, value: r(realRegion, "the real one") }]);

  const env = scenario("ADMIN_TOKEN itself, region RegionOne");
  expect(env.login, JSON.stringify(env)).toEqual({ ok: true });
  expect(env.results).toEqual([{ ok: true, value: r(hiddenRegion) }]);

  const password = scenario("password login (admin) in a real region");
  expect(password.login, JSON.stringify(password)).toEqual({ ok: true });
  expect(password.results.slice(0, 2)).toEqual([{ ok: true, value: r(`${p}-pw`) }, { ok: true }]);
  expect(password.results[2]).toMatchObject({ ok: false, status: 404 });

  const reader = scenario("stored reader token: sees the public regions, cannot write");
  expect(reader.login, JSON.stringify(reader)).toEqual({ ok: true });
  const listed = ((reader.results[0]?.value ?? []) as Array<{ id: string }>).map((x) => x.id);
  expect(listed).toContain(realRegion);
  expect(listed).not.toContain(hiddenRegion);
  expect(reader.results[1]).toMatchObject({ ok: false, status: 403 });
  expect(reader.results[2]).toMatchObject({ ok: false, status: 404 });

  const readerPw = scenario("password login (reader), no project, region RegionOne");
  expect(readerPw.login, JSON.stringify(readerPw)).toEqual({ ok: true });
  expect(readerPw.results).toEqual([{ ok: true, value: r(realRegion, "the real one") }]);

  // clients look the identity endpoint up by region: none in "nowhere"
  const nowhere = scenario("a region the catalogue does not have");
  const nowhereFailed = !nowhere.login.ok || nowhere.results.every((x) => !x.ok);
  expect(nowhereFailed, JSON.stringify(nowhere)).toBe(true);
  expect(JSON.stringify(nowhere)).toMatch(/EndpointNotFound|endpoint/i);

  for (const name of ["a revoked stored token", "a wrong password"]) {
    const s = scenario(name);
    const failed = !s.login.ok ? s.login : s.results[0];
    expect(failed, JSON.stringify(s)).toMatchObject({ ok: false });
    expect(JSON.stringify(s)).toMatch(/401|Unauthorized/);
  }
}

for (const backend of gatewayBackends) {
  const label = backend.available ? backend.name : `${backend.name}: SKIPPED, TEST_DATABASE_URL is not set`;
  describe.skipIf(!backend.available)(`Keystone clients against a running gateway (${label})`, () => {
    let gateway: BackendGateway;
    let url: string;
    const tokens = { admin: "", reader: "", revoked: "" };
    const goDir = mkdtempSync(path.join(tmpdir(), "rg-gophercloud-"));
    let goBinary: Promise<string>;

    beforeAll(async () => {
      // the go build runs while the gateway starts
      goBinary = clientsAvailable.gophercloud ? buildGoClient(goDir) : Promise.resolve("");
      goBinary.catch(() => {});
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
      rmSync(goDir, { recursive: true, force: true });
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
