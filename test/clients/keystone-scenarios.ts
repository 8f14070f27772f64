import { expect } from "vitest";
import type { ClientRun, Scenario } from "./scenario-runner.ts";

// The scenarios every Keystone client runs in keystone-clients.test.ts, and what each must report.
export const adminToken = "clients-admin-token-0123456789abcdef";
export const realRegion = "clients-real";
export const hiddenRegion = "clients-hidden";
export const readerPassword = "clients-reader-password-1";
export const adminPassword = "clients-admin-password-1";

/** The scenarios every client runs: token and password logins, region names, region CRUD. */
export function scenarios(p: string, tokens: { admin: string; reader: string; revoked: string }): Scenario[] {
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
export function expectScenarios(client: "sdk" | "keystoneclient" | "gophercloud", p: string, run: ClientRun) {
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
