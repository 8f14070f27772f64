import { certificateProblems } from "../domain/certificates.ts";
import { GatewayError } from "../domain/errors.ts";
import type { Region } from "../domain/region.ts";

/** Conditions a dialect puts on one write; checked inside its transaction. */
export interface WriteOptions {
  /** throws (e.g. 412) unless the region as the transaction reads it (undefined: none) may be written */
  precondition?: (current: Region | undefined) => void;
  /**
   * Judge the certificates the write stores (dialect writes; imports copy what their source
   * holds). `force` stores them anyway and records the override in the audit trail.
   */
  certificates?: { now: Date; force: boolean };
}

/** Records a non-region change in the audit trail of the write's transaction. */
type Audit = (entry: { action: string; subject: string; before: unknown; after: unknown }) => void;

/** Refuses certificate problems of a write (a 400 naming each field), or audits their override. */
export function judgeCertificates(
  before: Region | null,
  after: Pick<Region, "caCert" | "clientCert" | "clientKey">,
  options: WriteOptions,
  audit: Audit,
  subject: string,
): void {
  if (!options.certificates) return;
  const problems = certificateProblems(before, after, options.certificates.now);
  if (problems.length === 0) return;
  if (!options.certificates.force) {
    const fields = Object.fromEntries(problems.map((p) => [p.field, [p.kind]]));
    const first = problems[0];
    throw new GatewayError("validation", `invalid region: ${first?.field}: ${first?.kind}`, {
      fields,
      subject,
      certificates: problems,
    });
  }
  audit({ action: "certificate.override", subject, before: null, after: { problems } });
}
