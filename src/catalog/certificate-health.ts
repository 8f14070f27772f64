import { type CertificateHealth, certificateHealth } from "../domain/certificates.ts";
import type { Region } from "../domain/region.ts";

/** One line of the certificate report: a region that stores a CA or a client certificate. */
export interface RegionCertificateHealth extends CertificateHealth {
  region: string;
  /** a certificate of this region is expired or expires within the window asked for */
  expiring: boolean;
}

const dayMs = 86_400_000;

/** The parsed view of every region that stores ssl_ca_cert or cert_file, in catalogue order. */
export function certificateReport(regions: readonly Region[], now: Date, withinDays: number): RegionCertificateHealth[] {
  const limit = now.getTime() + withinDays * dayMs;
  return regions
    .filter((r) => Boolean(r.caCert) || Boolean(r.clientCert))
    .map((r) => {
      const h = certificateHealth(r, now);
      const notAfters = [h.ca, h.cert].flatMap((v) => (v ? [new Date(v.not_after).getTime()] : []));
      return { region: r.name, ...h, expiring: notAfters.some((t) => t < limit) };
    });
}

/**
 * Days left of each region's soonest-expiring certificate: what a `/metrics` gauge would expose
 * (labelled by region name, a label bounded by the size of the catalogue).
 */
export function certificateDaysLeft(regions: readonly Region[], now: Date): { region: string; daysLeft: number }[] {
  return certificateReport(regions, now, 0).flatMap((h) =>
    h.days_left === null ? [] : [{ region: h.region, daysLeft: h.days_left }],
  );
}

export interface CertificateWatchOptions {
  regions: () => readonly Region[];
  warn: (fields: Record<string, unknown>, message: string) => void;
  withinDays?: number;
  intervalMs?: number;
  now?: () => Date;
}

/** Logs a warning for each region whose certificate expires within 30 days: now, then daily. */
export function startCertificateWatch(o: CertificateWatchOptions): () => void {
  const check = () => {
    for (const h of certificateReport(o.regions(), o.now?.() ?? new Date(), o.withinDays ?? 30)) {
      if (!h.expiring) continue;
      o.warn(
        { region: h.region, days_left: h.days_left, not_after: [h.ca?.not_after, h.cert?.not_after].filter(Boolean) },
        h.days_left !== null && h.days_left < 0 ? "region certificate has expired" : "region certificate expires soon",
      );
    }
  };
  check();
  const timer = setInterval(check, o.intervalMs ?? dayMs);
  timer.unref();
  return () => clearInterval(timer);
}
