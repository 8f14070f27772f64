import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.ts";
import { clients, openTestApp, type TestApp } from "../support/test-app.ts";

const pglite = backends.find((b) => b.name === "pglite") as (typeof backends)[number];

// Hashing a new password costs what checking one costs: it waits in the same bounded queue.
describe("password credentials created under a flood", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(pglite);
  });
  afterAll(() => t?.close());

  it("beyond what can be hashed soon, creations get 429 with Retry-After and store nothing", async () => {
    const c = clients(t.app);
    const create = (i: number) =>
      c.keystone("POST", "/admin/v1/credentials", {
        type: "password",
        role: "reader",
        user_name: `flood-${i}`,
        password: "flood-password",
      });
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => create(i)));
    const statuses = flood.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    const limited = flood.find((r) => r.status === 429);
    expect(limited, "no creation was limited").toBeDefined();
    expect(limited?.headers.get("Retry-After")).toBe("1");
    expect(await limited?.json()).toMatchObject({ error: { code: 429, title: "Too Many Requests" } });
    const stored = t.catalog.identity().credentials.filter((cr) => cr.userName?.startsWith("flood-"));
    expect(stored).toHaveLength(statuses.filter((s) => s === 201).length);
    expect((await create(1000)).status).toBe(201);
  });
});
