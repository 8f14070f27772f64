import { toKeystoneRegion } from "../adapters/keystone.ts";
import { toRainbondV1Item } from "../adapters/rainbond.ts";
import { rainbondFields, rainbondKeys } from "../adapters/rainbond-fields.ts";
import { asRegion, type DocRegion, type Format, fields, secretFieldSet } from "./document.ts";

export interface RenderOptions {
  /** write token / key_file (Rainbond) and clientKey / regionToken (canonical) */
  includeSecrets: boolean;
  /** base of Keystone `links` ("" gives relative links) */
  baseUrl: string;
}

/**
 * One record in `format`. Rainbond and canonical records hold only the fields the record carries
 * (so a converted document never states what its source did not: importing it cannot erase
 * anything); a Keystone record is always whole, as `/v3/regions` shows it.
 */
export function renderRecord(format: Format, r: DocRegion, o: RenderOptions): Record<string, unknown> {
  switch (format) {
    case "rainbond": {
      const item: Record<string, unknown> = toRainbondV1Item(asRegion(r.values), { includeSecrets: true });
      for (const key of rainbondKeys) {
        const field = rainbondFields[key].field;
        if (secretFieldSet.has(field)) {
          // a null secret reads as "not stated" (the console's views print null for withheld ones)
          if (!o.includeSecrets) delete item[key];
          else if (!r.carried.has(field)) item[key] = null;
        } else if (!r.carried.has(field)) delete item[key];
      }
      return item;
    }
    case "keystone":
      return toKeystoneRegion(asRegion(r.values), o.baseUrl);
    case "canonical": {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        if (r.carried.has(f) && !(secretFieldSet.has(f) && !o.includeSecrets)) out[f] = r.values[f];
      }
      return out;
    }
  }
}

/** A whole document: Rainbond and canonical a JSON array, Keystone the `/v3/regions` envelope. */
export function renderDocument(format: Format, regions: readonly DocRegion[], o: RenderOptions): unknown {
  const items = regions.map((r) => renderRecord(format, r, o));
  if (format !== "keystone") return items;
  return { regions: items, links: { self: `${o.baseUrl}/v3/regions`, previous: null, next: null } };
}
