import { z } from "zod";
import { GatewayError } from "../domain/errors.ts";
import type { RegionChanges } from "../domain/region.ts";
import { type DrfCharOptions, drfChar, drfMessages, type RainbondKey, rainbondFields } from "./rainbond-fields.ts";

/**
 * `POST /openapi/v1/grctl/ip`, as `grctl replace ip` calls it: underscored field names and raw
 * PEM strings. Pure: no I/O.
 *
 * Unlike the console (which writes "" for every key the body lacks), a key that is omitted, or
 * sent empty, keeps the stored value: an endpoint is never blanked by a partial call. An
 * explicit null clears a certificate or key.
 */

/** grctl's body keys, in its order: the console's own fields (rainbondFields) under grctl's names. */
const grctlKeys = {
  region_name: "region_name",
  url: "url",
  ws_url: "wsurl",
  http_domain: "httpdomain",
  tcp_domain: "tcpdomain",
  ssl_ca_cert: "ssl_ca_cert",
  cert_file: "cert_file",
  key_file: "key_file",
} as const satisfies Record<string, RainbondKey>;
type GrctlKey = keyof typeof grctlKeys;
const keys = Object.keys(grctlKeys) as GrctlKey[];

/**
 * Each key with its console field's length and null rules; region_name (which only finds the
 * region) required, every other key may be empty. The console's own checks (URLs, the TCP
 * address) run on what is not empty once every key has passed these, under grctl's names.
 */
export const grctlReplaceIpSchema = z.object(
  Object.fromEntries(
    keys.map((k) => {
      const { max, allowNull }: DrfCharOptions = rainbondFields[grctlKeys[k]].rule;
      return [k, drfChar(k === "region_name" ? { required: true, max } : { allowNull, allowBlank: true, max })];
    }),
  ) as Record<GrctlKey, ReturnType<typeof drfChar>>,
);

export interface GrctlReplaceIp {
  regionName: string;
  changes: RegionChanges;
}

export function parseGrctlReplaceIp(body: unknown): GrctlReplaceIp {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError("validation", "invalid body", {
      fields: {
        non_field_errors: [drfMessages.notAnObject(body === null ? "NoneType" : Array.isArray(body) ? "list" : typeof body)],
      },
    });
  }
  const parsed = grctlReplaceIpSchema.safeParse(body);
  const fields: Record<string, string[]> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const f = String(issue.path[0]);
      fields[f] = [...(fields[f] ?? []), issue.message];
    }
  } else {
    for (const k of keys) {
      if (k === "region_name") continue;
      const rule: DrfCharOptions = rainbondFields[grctlKeys[k]].rule;
      const v = parsed.data[k];
      const problem = v && rule.check ? rule.check(v) : null;
      if (problem) fields[k] = [problem];
    }
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new GatewayError("validation", "invalid body", { fields });
  const changes: Record<string, unknown> = {};
  for (const k of keys) {
    const v = parsed.data[k];
    // omitted or empty: kept; null (certificates only) clears
    if (k !== "region_name" && v !== undefined && v !== "") changes[rainbondFields[grctlKeys[k]].field] = v;
  }
  return { regionName: parsed.data.region_name as string, changes: changes as RegionChanges };
}
