import { describe, expect, it } from "vitest";
import { Snapshot } from "../../src/catalog/snapshot.ts";
import { newRegionInput, type Region } from "../../src/domain/region.ts";

/** A region created at second `at` (catalogue order: creation time, then name). */
const region = (name: string, at: number, more: Partial<Region> = {}): Region => ({
  ...newRegionInput(name, `uid-${name}`),
  revision: 1,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
  updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
  ...more,
});
const names = (s: Snapshot) => s.list().map((r) => r.name);

describe("Snapshot.withChanges", () => {
  const base = () => new Snapshot(1, [region("a", 1), region("b", 2), region("c", 3)]);

  it("updates in place, deletes, and appends what was created since, leaving the old snapshot as it was", () => {
    const old = base();
    const next = old.withChanges(
      2,
      new Map<string, Region | null>([
        ["b", { ...region("b", 2), description: "updated" }],
        ["a", null],
        ["d", region("d", 4)],
      ]),
    );
    expect(next.version).toBe(2);
    expect(names(next)).toEqual(["b", "c", "d"]);
    expect(next.get("b")?.description).toBe("updated");
    expect(next.getByUid("uid-a")).toBeUndefined();
    expect(next.getByUid("uid-d")?.name).toBe("d");
    expect(names(old)).toEqual(["a", "b", "c"]);
    expect(old.get("b")?.description).toBe("");
    expect(old.getByUid("uid-a")?.name).toBe("a");
  });

  it("a region created again under its name, or renamed (same uid), goes where its creation puts it", () => {
    const next = base().withChanges(
      2,
      new Map<string, Region | null>([
        ["a", region("a", 5, { uid: "uid-a-2" })],
        ["b", null],
        ["b2", region("b2", 6, { uid: "uid-b" })],
      ]),
    );
    expect(names(next)).toEqual(["c", "a", "b2"]);
    expect(next.getByUid("uid-a")).toBeUndefined();
    expect(next.getByUid("uid-a-2")?.name).toBe("a");
    expect(next.getByUid("uid-b")?.name).toBe("b2");
    expect(next.get("b")).toBeUndefined();
  });

  it("a region created before the last one kept (writers' clocks, a late commit) is merged into its place", () => {
    const next = base().withChanges(
      2,
      new Map<string, Region | null>([
        ["b1", region("b1", 2)],
        ["z", region("z", 0)],
      ]),
    );
    expect(names(next)).toEqual(["z", "a", "b", "b1", "c"]);
    expect(next.getByUid("uid-z")?.name).toBe("z");
  });
});
