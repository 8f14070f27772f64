import { z } from "zod";
import { GatewayError } from "../domain/errors.ts";
import type { RegionChanges } from "../domain/region.ts";
import { checks, drfChar, drfMessages } from "./rainbond-fields.ts";

/**
 * `POST /openapi/v1/grctl/ip`, as `grctl replace ip` calls it: underscored field names and raw
 * PEM strings. Pure: no I/O.
 *
 * Unlike the console (which writes "" for every key the body lacks), a key that is omitted, or
 * sent empty, keeps the stored value: an endpoint is never blanked by a partial call. An
 * explicit null clears a certificate or key.
 */
const schema = z.object({
  region_name: drfChar({ required: true, max: 64 }),
  url: drfChar({ allowBlank: true, max: 256 }),
  ws_url: drfChar({ allowBlank: true, max: 256 }),
  http_domain: drfChar({ allowBlank: true, max: 256 }),
  tcp_domain: drfChar({ allowBlank: true, max: 256 }),
  ssl_ca_cert: drfChar({ allowNull: true, allowBlank: true }),
  cert_file: drfChar({ allowNull: true, allowBlank: true }),
  key_file: drfChar({ allowNull: true, allowBlank: true }),
});

export interface GrctlReplaceIp {
  regionName: string;
  changes: RegionChanges;
}

// the same address rules as the console's add and update serializers, under grctl's field names
const addressChecks: Record<string, (v: string) => string | null> = {
  url: checks.apiUrl,
  ws_url: checks.wsUrl,
  tcp_domain: checks.tcpDomain,
};

export function parseGrctlReplaceIp(body: unknown): GrctlReplaceIp {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError("validation", "invalid body", {
      fields: {
        non_field_errors: [drfMessages.notAnObject(body === null ? "NoneType" : Array.isArray(body) ? "list" : typeof body)],
      },
    });
  }
  const parsed = schema.safeParse(body);
  const fields: Record<string, string[]> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const f = String(issue.path[0]);
      fields[f] = [...(fields[f] ?? []), issue.message];
    }
  } else {
    for (const [f, check] of Object.entries(addressChecks)) {
      const v = parsed.data[f as keyof typeof parsed.data];
      const problem = v ? check(v) : null;
      if (problem) fields[f] = [problem];
    }
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new GatewayError("validation", "invalid body", { fields });
  const b = parsed.data;
  const changes: RegionChanges = {};
  if (b.url) changes.apiUrl = b.url;
  if (b.ws_url) changes.wsUrl = b.ws_url;
  if (b.http_domain) changes.httpDomain = b.http_domain;
  if (b.tcp_domain) changes.tcpDomain = b.tcp_domain;
  if (b.ssl_ca_cert !== undefined && b.ssl_ca_cert !== "") changes.caCert = b.ssl_ca_cert;
  if (b.cert_file !== undefined && b.cert_file !== "") changes.clientCert = b.cert_file;
  if (b.key_file !== undefined && b.key_file !== "") changes.clientKey = b.key_file;
  return { regionName: b.region_name as string, changes };
}
