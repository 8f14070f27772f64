import * as crypto from "node:crypto";
import { type Region, redactRegion } from "./region.ts";

/**
 * How the audit trail shows a region written in bulk (an import). Apart from region.ts, which
 * the pure migration formats run: hashing is Node's crypto.
 */

/** The fields holding a certificate (public, but the largest part of a region). */
export const certificateFields = ["caCert", "clientCert"] as const satisfies readonly (keyof Region)[];

/** Node's one-shot crypto.hash where it has it (20.12 and later: no Hash object per call), else createHash. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256Hex = (text: string): string =>
  oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");

/** How the audit trail records a certificate in place of its text: `sha256:` and the hex SHA-256 of its UTF-8 text. */
export const certificateDigest = (text: string): string => `sha256:${sha256Hex(text)}`;

/**
 * A region as the audit entries of an import keep it: secrets replaced by a marker (as
 * redactRegion) and each certificate by its digest (certificateDigest), so that thousands of
 * regions written at once do not write every certificate twice. Two digests differ exactly when
 * the certificates do.
 */
export function digestRegion(r: Region | null): Record<string, unknown> | null {
  const out = redactRegion(r);
  if (!out) return null;
  for (const f of certificateFields) if (typeof out[f] === "string") out[f] = certificateDigest(out[f] as string);
  return out;
}
