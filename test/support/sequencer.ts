import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { startFirst } from "./slow-files.ts";

/**
 * Starts the slow files first, in the order of startFirst (slow-files.ts), then the rest in vitest's own order
 * (longest first once a run has timed them). On two workers, a long file started last would run
 * alone while the other worker sits idle; started first, the short files fill in around it.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = startFirst.indexOf(path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join("/"));
      return i < 0 ? startFirst.length : i;
    };
    const rest = await super.sort(files.filter((f) => rank(f) === startFirst.length));
    return [...files.filter((f) => rank(f) < startFirst.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}
