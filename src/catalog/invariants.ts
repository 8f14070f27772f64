import { classifyDbError } from "../db/errors.ts";
import { GatewayError } from "../domain/errors.ts";
import { type RegionInput, regionSchema } from "../domain/region.ts";

/** The catalogue's errors: duplicates, missing parents, canonical rules, driver failures mapped. */

export function duplicate(on: "name" | "uid", value: string): GatewayError {
  return new GatewayError("conflict", `a region with ${on} ${value} already exists`, {
    subject: value,
    conflictOn: on,
  });
}

export function missingParent(parent: string): GatewayError {
  return new GatewayError("not_found", `parent region ${parent} does not exist`, {
    subject: parent,
    fields: { parentName: ["does not exist"] },
  });
}

/** Last line of defence for the canonical rules; the adapters report them in each dialect first. */
export function checkCanonical(input: RegionInput): void {
  const result = regionSchema.omit({ revision: true, createdAt: true, updatedAt: true }).safeParse(input);
  if (result.success) return;
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "region");
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  const first = result.error.issues[0];
  throw new GatewayError("validation", `invalid region: ${first?.path.join(".")}: ${first?.message}`, { fields });
}

/** Maps driver errors to domain errors; GatewayErrors pass through. */
export function rethrow(error: unknown, subject: string): never {
  if (error instanceof GatewayError) throw error;
  switch (classifyDbError(error)) {
    case "duplicate_name":
      throw duplicate("name", subject);
    case "duplicate_uid":
      throw duplicate("uid", subject);
    case "missing_parent":
      throw missingParent(subject);
    case "unavailable":
      throw new GatewayError("unavailable", "the database is unavailable");
    default:
      throw error;
  }
}
