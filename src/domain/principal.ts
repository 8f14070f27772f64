import type { Region } from "./region.ts";

/** Who is calling: the result of authentication, whichever dialect's header carried it. */
export interface Principal {
  /** credential id */
  id: string;
  name: string;
  role: "admin" | "reader";
  /** private regions this credential may see: "*" for all; admins see all regardless */
  privateRegions: "*" | readonly string[];
  /** a Rainbond v1 caller with an enterprise sees only that enterprise's regions */
  enterpriseId: string | null;
}

/** Who made a change, and through which door; recorded in the audit trail. */
export interface Actor {
  id: string;
  name: string;
  dialect: "rainbond" | "keystone" | "admin" | "system";
}

export const isAdmin = (p: Principal): boolean => p.role === "admin";

/** key_file and token are shown to admins only. */
export const canReadSecrets = isAdmin;

/** Public regions are visible to every valid credential; private ones to admins and to those granted them. */
export function canSee(p: Principal, region: Pick<Region, "scope" | "name">): boolean {
  if (region.scope === "public" || isAdmin(p) || p.privateRegions === "*") return true;
  return p.privateRegions.includes(region.name);
}

export const actorOf = (p: Principal, dialect: Actor["dialect"]): Actor => ({ id: p.id, name: p.name, dialect });

export const systemActor: Actor = { id: "system", name: "system", dialect: "system" };

/** Callers with the same key see the same regions (and secrets): they can share a rendered answer. */
export function visibilityKey(p: Principal): string {
  // JSON, not a joined string: region names may contain any separator
  const regions = isAdmin(p) || p.privateRegions === "*" ? "*" : [...p.privateRegions].sort();
  return JSON.stringify([regions, canReadSecrets(p), p.enterpriseId]);
}
