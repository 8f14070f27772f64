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

  it("after any run of changes, past the folding of the changes into a new base, serves what a whole load would", () => {
    // a model: the regions a whole load would read, in its order (creation time, then order of creation)
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const model: Region[] = Array.from({ length: 100 }, (_, i) => region(`r${i}`, i));
    let snapshot = new Snapshot(1, model);
    let clock = 100;
    const gone: Region[] = [];
    for (let version = 2; version < 400; version++) {
      const changed = new Map<string, Region | null>();
      for (let k = random(3) + 1; k > 0; k--) {
        const pick = model[random(model.length)];
        const op = random(4);
        if (op === 0 && pick) changed.set(pick.name, null);
        else if (op === 1 && pick) changed.set(pick.name, { ...pick, description: `v${version}` });
        else if (op === 2 && pick) changed.set(pick.name, region(pick.name, ++clock, { uid: `uid-${pick.name}-${version}` }));
        else changed.set(`n${version}-${k}`, region(`n${version}-${k}`, ++clock));
      }
      for (const [name, next] of changed) {
        const at = model.findIndex((r) => r.name === name);
        const old = model[at];
        if (old && old.uid !== next?.uid) gone.push(old);
        if (next === null) model.splice(at, 1);
        else if (at >= 0 && model[at]?.uid === next.uid) model[at] = next;
        else {
          if (at >= 0) model.splice(at, 1);
          model.push(next);
        }
      }
      snapshot = snapshot.withChanges(version, changed);
      expect(snapshot.list()).toEqual(model);
      for (const r of model) {
        expect(snapshot.get(r.name)).toBe(r);
        expect(snapshot.getByUid(r.uid)).toBe(r);
      }
      for (const r of gone.slice(-20)) {
        if (!model.some((m) => m.name === r.name)) expect(snapshot.get(r.name)).toBeUndefined();
        expect(snapshot.getByUid(r.uid)).toBeUndefined();
      }
    }
    expect(JSON.stringify(snapshot.list())).toBe(JSON.stringify(new Snapshot(400, model).list()));
  });
});
