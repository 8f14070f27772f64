import { z } from "@hono/zod-openapi";
import { rainbondViewKeys } from "../adapters/rainbond.ts";
import type { RainbondKey } from "../adapters/rainbond-fields.ts";

/**
 * The Rainbond console's region views (adapters/rainbond.ts serialisers), for the OpenAPI document.
 * The handlers' `c.json(…)` is type-checked against them.
 */

const example = {
  region_id: "8f1c2b7a9d3e4f5a6b7c8d9e0f1a2b3c",
  region_name: "cn-east-1",
  region_alias: "华东一区",
  url: "https://region.goodrain.me:8443",
  wsurl: "wss://region.goodrain.me:6060",
  httpdomain: "apps.goodrain.me",
  tcpdomain: "47.92.1.2",
  scope: "private",
  status: "1",
  desc: "",
} as const;

const text = (e: string, description?: string) => z.string().openapi({ example: e, ...(description ? { description } : {}) });
const pem = (description: string) => z.string().nullable().openapi({ description });

/** The OpenAPI schema of each key of the field table (adapters/rainbond-fields.ts). */
const fields = {
  region_id: text(example.region_id, "The region's id (32 hex when the gateway generated it)"),
  region_name: text(example.region_name, "The region's name: Keystone's region `id`"),
  region_alias: text(example.region_alias, "Display name"),
  url: text(example.url, "The region API (rbd-api) address"),
  token: z.string().nullable().openapi({ description: "The region API token: admins only, else null" }),
  wsurl: text(example.wsurl, "Websocket address"),
  httpdomain: text(example.httpdomain, "HTTP application domain"),
  tcpdomain: text(example.tcpdomain, "TCP access address"),
  scope: z.enum(["private", "public"]).openapi({ example: "private" }),
  ssl_ca_cert: pem("The region API's CA certificate (PEM)"),
  cert_file: pem("The client certificate (PEM)"),
  key_file: pem("The client key (PEM): admins only, else null"),
  status: z
    .string()
    .openapi({ enum: ["0", "1", "2", "3"], example: "1", description: "0 editing, 1 enabled, 2 disabled, 3 maintenance" }),
  desc: text("", "Description"),
  enterprise_id: z.string().nullable().openapi({ description: "The enterprise the region belongs to (null: every enterprise)" }),
} satisfies Record<RainbondKey, z.ZodType>;

/** A view's shape: its keys, in the adapter's order (rainbondViewKeys). */
const shapeOf = <K extends RainbondKey>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, fields[k]])) as { [P in K]: (typeof fields)[P] };

// every view is a whole object: an `extend` of a named schema would be an allOf, which cannot
// say "no other property"
export const rainbondV2Region = z.strictObject(shapeOf(rainbondViewKeys.v2Item)).openapi("RainbondV2Region", {
  description: "v2_RegionInfoSerializer: one region on v2, and the answer to v2 POST, PUT and DELETE.",
  example: { ...example, token: null, ssl_ca_cert: null, cert_file: null, key_file: null },
});

export const rainbondV1Region = z
  .strictObject(shapeOf(rainbondViewKeys.v1Item))
  .openapi("RainbondV1Region", { description: "RegionInfoSerializer: the answer to v1 POST." });

export const rainbondV1ListItem = z
  .strictObject(shapeOf(rainbondViewKeys.v1ListItem))
  .openapi("RainbondV1ListItem", { description: "RegionInfoResp: one entry of the v1 list." });

export const rainbondV1Detail = z
  .strictObject(shapeOf(rainbondViewKeys.v1Detail))
  .openapi("RainbondV1Detail", { description: "RegionInfoRSerializer: one region on v1 (region_id added)." });

export const rainbondV2Page = z
  .strictObject({
    total: z.number().int().openapi({ description: "Regions matching `query`, all pages" }),
    data: z.array(
      z.strictObject({ ...shapeOf(rainbondViewKeys.v1Item), region_type: z.array(z.string()) }).openapi("RainbondV2ListItem"),
    ),
  })
  .openapi("RainbondV2Page", { description: "One page of the v2 list." });

/** grctl's `replace ip` answers (general_message bodies of the console's ReplaceRegionIP view). */
export const grctlReplaced = z
  .strictObject({
    code: z.number().int(),
    msg: z.string(),
    msg_show: z.string(),
    data: z.strictObject({ bean: z.strictObject({}), list: z.array(z.unknown()) }),
  })
  .openapi("GrctlReplaced", { example: { code: 200, msg: "success", msg_show: "更新成功", data: { bean: {}, list: [] } } });
export const grctlUnknownRegion = z
  .strictObject({ code: z.number().int(), msg: z.string(), msg_show: z.string() })
  .openapi("GrctlUnknownRegion", { example: { code: 404, msg: "region not found", msg_show: "数据中心不存在" } });
