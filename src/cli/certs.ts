import type { Command } from "commander";
import { callGateway, resolveTarget, targetOptions } from "./gateway-client.ts";
import { action, CliError, exitCodes } from "./helpers.ts";

interface HealthLine {
  region: string;
  cert: { subject: string; not_after: string } | null;
  ca: { subject: string; not_after: string } | null;
  unreadable: string[];
  chains_to_ca: boolean | null;
  key_matches_cert: boolean | null;
  days_left: number | null;
  expiring: boolean;
}

const yesNo = (v: boolean | null) => (v === null ? "-" : v ? "yes" : "no");

/** One line per region, for a terminal or a cron mail. */
export function formatHealthLine(h: HealthLine): string {
  const notAfter = [h.cert?.not_after, h.ca?.not_after].filter(Boolean).sort()[0] ?? "-";
  const parts = [
    h.region,
    `days_left=${h.days_left ?? "-"}`,
    `not_after=${notAfter}`,
    `chains_to_ca=${yesNo(h.chains_to_ca)}`,
    `key_matches_cert=${yesNo(h.key_matches_cert)}`,
  ];
  if (h.unreadable.length > 0) parts.push(`unreadable=${h.unreadable.join(",")}`);
  if (h.expiring) parts.push(h.days_left !== null && h.days_left < 0 ? "EXPIRED" : "EXPIRING");
  return parts.join("  ");
}

/** `certs [--url GW] [--token T] [--expiring-within 30d]`: exit 1 when a certificate expires inside the window (for cron). */
export function registerCerts(program: Command): void {
  targetOptions(program.command("certs"))
    .description("report region certificates of a running gateway; exit 1 if any expires within the window")
    .option("--expiring-within <days>", "the window, in days (30d or 30)", "30d")
    .action(
      action(async (o: { url?: string; token?: string; expiringWithin: string }) => {
        if (!/^\d{1,5}d?$/.test(o.expiringWithin)) {
          throw new CliError(`--expiring-within: a number of days, such as 30d (got '${o.expiringWithin}')`, exitCodes.usage);
        }
        const q = new URLSearchParams({ expiring_within: o.expiringWithin });
        const report = (await callGateway(resolveTarget(o), "GET", `/admin/v1/regions/health?${q}`)) as { regions: HealthLine[] };
        for (const h of report.regions) process.stdout.write(`${formatHealthLine(h)}\n`);
        return report.regions.some((h) => h.expiring) ? exitCodes.rejected : exitCodes.ok;
      }),
    );
}
