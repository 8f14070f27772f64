import { classifyDbError } from "../db/errors.ts";
import { GatewayError } from "../domain/errors.ts";
import { unstorableMessage } from "../domain/region.ts";

/** The catalogue's errors: duplicates, missing parents, and driver failures mapped to them. */

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
    case "unstorable_text":
      // every value is checked before it is sent; this is the net under those checks
      throw new GatewayError("validation", `a value ${unstorableMessage}`);
    case "unavailable":
      throw new GatewayError("unavailable", "the database is unavailable");
    default:
      throw error;
  }
}
