import { createPrivateKey, X509Certificate } from "node:crypto";

/**
 * Region certificates (`caCert`, `clientCert`, `clientKey`): parsed with Node's X509Certificate,
 * never by shelling out. Pure: the caller passes the clock in. The private key is only ever
 * checked against its certificate; nothing derived from it is returned.
 */

export type CertificateField = "caCert" | "clientCert" | "clientKey";

export interface CertificateView {
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  days_left: number;
}

export type CertificateProblemKind = "not_pem" | "expired" | "key_mismatch";

export interface CertificateProblem {
  field: CertificateField;
  kind: CertificateProblemKind;
  /** for "expired": when it expired (ISO 8601) */
  notAfter?: string;
}

interface Certificates {
  caCert: string | null;
  clientCert: string | null;
  clientKey: string | null;
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const dayMs = 86_400_000;

/** Nothing to check: no value, or a file path (the console reads a value starting with "/" as a path). */
const unchecked = (v: string | null): v is null => v === null || v.trim() === "" || v.startsWith("/");

/** Every certificate of a PEM text (a CA bundle may hold several), or null when one is not PEM. */
export function parsePem(text: string): X509Certificate[] | null {
  const blocks = text.match(pemBlock);
  if (!blocks) return null;
  // anything other than whitespace outside the blocks is not a PEM certificate file
  if (text.replace(pemBlock, "").trim() !== "") return null;
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return null;
  }
}

export const daysLeft = (cert: X509Certificate, now: Date): number =>
  Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / dayMs);

export function viewOf(cert: X509Certificate, now: Date): CertificateView {
  return {
    subject: cert.subject.replaceAll("\n", ", "),
    issuer: cert.issuer.replaceAll("\n", ", "),
    not_before: new Date(cert.validFrom).toISOString(),
    not_after: new Date(cert.validTo).toISOString(),
    days_left: daysLeft(cert, now),
  };
}

/** Does the first certificate of `chain` lead, through the others and the CA bundle, to a CA certificate? */
export function chainsTo(chain: X509Certificate[], cas: X509Certificate[]): boolean {
  let current = chain[0];
  const pool = [...chain.slice(1), ...cas];
  for (let depth = 0; current && depth < 10; depth++) {
    const leaf: X509Certificate = current;
    const issuer = pool.find((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey));
    if (!issuer) return false;
    if (cas.includes(issuer)) return true;
    current = issuer;
  }
  return false;
}

/** Whether `key` is the private key of `cert`; false when the key cannot be read. */
export function keyMatches(cert: X509Certificate, key: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/**
 * What is wrong with the certificates a write stores: only fields whose value changes are
 * judged (a region whose certificate has since expired can still be renamed), and the key is
 * checked against the certificate whenever either of them changes.
 */
export function certificateProblems(before: Certificates | null, after: Certificates, now: Date): CertificateProblem[] {
  const problems: CertificateProblem[] = [];
  const changed = (f: CertificateField) => (before ? before[f] !== after[f] : after[f] !== null);
  const parsed: Partial<Record<"caCert" | "clientCert", X509Certificate[]>> = {};
  for (const field of ["caCert", "clientCert"] as const) {
    const value = after[field];
    if (unchecked(value)) continue;
    const certs = parsePem(value);
    if (certs) parsed[field] = certs;
    if (!changed(field)) continue;
    if (!certs) {
      problems.push({ field, kind: "not_pem" });
      continue;
    }
    const expired = certs.find((c) => new Date(c.validTo).getTime() < now.getTime());
    if (expired) problems.push({ field, kind: "expired", notAfter: new Date(expired.validTo).toISOString() });
  }
  const cert = parsed.clientCert?.[0];
  const key = after.clientKey;
  if (cert && !unchecked(key) && (changed("clientKey") || changed("clientCert")) && !keyMatches(cert, key)) {
    problems.push({ field: "clientKey", kind: "key_mismatch" });
  }
  return problems;
}

export interface CertificateHealth {
  ca: CertificateView | null;
  cert: CertificateView | null;
  /** a stored value that is not a PEM certificate (or a file path, which is not read) */
  unreadable: ("ssl_ca_cert" | "cert_file")[];
  /** null when there is no certificate or no CA to chain to */
  chains_to_ca: boolean | null;
  /** null when there is no certificate or no key */
  key_matches_cert: boolean | null;
  /** the fewest days left of any certificate the region stores; null when it stores none */
  days_left: number | null;
}

/** The parsed view of a region's certificates, for the health report. */
export function certificateHealth(r: Certificates, now: Date): CertificateHealth {
  // each read once: a region of the snapshot rebuilds the text at each read (domain/compact-pem.ts)
  const { caCert, clientCert, clientKey } = r;
  const ca = unchecked(caCert) ? null : parsePem(caCert);
  const cert = unchecked(clientCert) ? null : parsePem(clientCert);
  const unreadable: CertificateHealth["unreadable"] = [];
  if (caCert && !ca) unreadable.push("ssl_ca_cert");
  if (clientCert && !cert) unreadable.push("cert_file");
  const all = [...(ca ?? []), ...(cert ?? [])];
  return {
    ca: ca?.[0] ? viewOf(ca[0], now) : null,
    cert: cert?.[0] ? viewOf(cert[0], now) : null,
    unreadable,
    chains_to_ca: cert && ca ? chainsTo(cert, ca) : null,
    key_matches_cert: cert?.[0] && !unchecked(clientKey) ? keyMatches(cert[0], clientKey) : null,
    days_left: all.length > 0 ? Math.min(...all.map((c) => daysLeft(c, now))) : null,
  };
}
