/** Who is calling: the result of authentication, whichever dialect's header carried it. */
export interface Principal {
  id: string;
  name: string;
  role: "admin" | "reader";
  /** may read region secrets (key_file, token) */
  canReadSecrets: boolean;
  /** may see private regions; later narrowed by per-credential grants */
  seesPrivate: boolean;
}

export const isAdmin = (p: Principal): boolean => p.role === "admin";

/** Public regions are visible to every valid credential; private ones to those allowed them. */
export const canSee = (p: Principal, region: { scope: string }): boolean => region.scope === "public" || p.seesPrivate;
