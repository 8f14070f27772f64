import { createRoute } from "@hono/zod-openapi";
import { rainbondErrors, rainbondRegionNotFound, rainbondV2Missing } from "./error-schemas.ts";
import { conditionalRead, conditionalWrite, idParam, jsonContent, notModified, query, rainbondSecurity } from "./openapi.ts";
import {
  grctlReplaced,
  grctlUnknownRegion,
  rainbondV1Detail,
  rainbondV1ListItem,
  rainbondV1Region,
  rainbondV2Page,
  rainbondV2Region,
} from "./rainbond-schemas.ts";
import { jsonBody } from "./request-bodies.ts";

/** The Rainbond console OpenAPI routes, relative to their mounts (`/openapi/v1`, `/openapi/v2/manage`). */

export const rainbondMounts = { v1: "/openapi/v1", v2: "/openapi/v2/manage" } as const;

const v1 = { tags: ["Rainbond v1 regions"], security: rainbondSecurity };
const v2 = { tags: ["Rainbond v2 regions"], security: rainbondSecurity };
const forceQuery = query({
  force: { description: "`true`: store certificates the gateway would refuse (not PEM, expired, key mismatch), audited." },
});

export const listV1 = createRoute({
  ...v1,
  method: "get",
  path: "/regions",
  operationId: "rainbondV1ListRegions",
  summary: "List regions (v1)",
  description:
    "Every region the caller may see; a credential bound to an enterprise sees that enterprise's regions only. `key_file` is shown to admins only.",
  parameters: conditionalRead,
  responses: {
    200: jsonContent(rainbondV1ListItem.array(), "The regions"),
    304: notModified,
    ...rainbondErrors.reads,
  },
});

export const addV1 = createRoute({
  ...v1,
  method: "post",
  path: "/regions",
  operationId: "rainbondV1AddRegion",
  summary: "Add a region (v1)",
  description: "Admins only. A caller bound to an enterprise adds regions to that enterprise.",
  parameters: [...conditionalWrite, ...forceQuery],
  request: { body: jsonBody("RainbondRegionAdd", "RegionInfoSerializer's fields") },
  responses: { 201: jsonContent(rainbondV1Region, "Added"), ...rainbondErrors.writes },
});

export const showV1 = createRoute({
  ...v1,
  method: "get",
  path: "/regions/{id}",
  operationId: "rainbondV1ShowRegion",
  summary: "Show a region (v1)",
  description: "By `region_name` first, then by `region_id`.",
  parameters: conditionalRead,
  request: { params: idParam("A region_name or a region_id", "cn-east-1") },
  responses: {
    200: jsonContent(rainbondV1Detail, "The region (with its ETag)"),
    304: notModified,
    404: jsonContent(rainbondRegionNotFound, "No such region among those the caller may see"),
    ...rainbondErrors.reads,
  },
});

export const grctlReplaceIp = createRoute({
  ...v1,
  method: "post",
  path: "/grctl/ip",
  operationId: "rainbondGrctlReplaceIp",
  summary: "Re-point a region (grctl replace ip)",
  description:
    "Admins only. Keys omitted or sent empty keep their stored value; null clears a certificate or key. Body field names are grctl's (`ws_url`, `http_domain`, `tcp_domain`).",
  parameters: [...conditionalWrite, ...forceQuery],
  request: { body: jsonBody("GrctlReplaceIp", "grctl's body") },
  responses: {
    200: jsonContent(grctlReplaced, "Updated"),
    404: jsonContent(grctlUnknownRegion, "No such region"),
    ...rainbondErrors.writes,
  },
});

export const listV2 = createRoute({
  ...v2,
  method: "get",
  path: "/regions",
  operationId: "rainbondV2ListRegions",
  summary: "List regions (v2)",
  parameters: [
    ...query({
      query: { description: "A case-sensitive substring of region_name or region_alias" },
      current: { description: "Page number, from 1 (default 1; 0 disables paging)", example: "1" },
      pageSize: { description: "Page size (default 99; 0 disables paging)", example: "99" },
    }),
    ...conditionalRead,
  ],
  responses: { 200: jsonContent(rainbondV2Page, "One page"), 304: notModified, ...rainbondErrors.reads },
});

export const addV2 = createRoute({
  ...v2,
  method: "post",
  path: "/regions",
  operationId: "rainbondV2AddRegion",
  summary: "Add a region (v2)",
  description: "Admins only.",
  parameters: [...conditionalWrite, ...forceQuery],
  request: { body: jsonBody("RainbondRegionAdd", "RegionInfoSerializer's fields") },
  responses: { 201: jsonContent(rainbondV2Region, "Added (with its ETag)"), ...rainbondErrors.writes },
});

const regionId = idParam("The region_id", "8f1c2b7a9d3e4f5a6b7c8d9e0f1a2b3c");
const missing = { 404: jsonContent(rainbondV2Missing, "No region with this region_id") };

export const showV2 = createRoute({
  ...v2,
  method: "get",
  path: "/regions/{id}",
  operationId: "rainbondV2ShowRegion",
  summary: "Show a region (v2)",
  parameters: conditionalRead,
  request: { params: regionId },
  responses: {
    200: jsonContent(rainbondV2Region, "The region (with its ETag)"),
    304: notModified,
    ...missing,
    ...rainbondErrors.reads,
  },
});

export const updateV2 = createRoute({
  ...v2,
  method: "put",
  path: "/regions/{id}",
  operationId: "rainbondV2UpdateRegion",
  summary: "Update a region (v2)",
  description: "Admins only. Replaces alias, endpoints and status; omitted certificates and token are kept, null clears them.",
  parameters: [...conditionalWrite, ...forceQuery],
  request: { params: regionId, body: jsonBody("RainbondRegionUpdate", "UpdateRegionReqSerializer's fields") },
  responses: { 200: jsonContent(rainbondV2Region, "Updated (with its ETag)"), ...missing, ...rainbondErrors.writes },
});

export const deleteV2 = createRoute({
  ...v2,
  method: "delete",
  path: "/regions/{id}",
  operationId: "rainbondV2DeleteRegion",
  summary: "Delete a region (v2)",
  description: "Admins only. Answers with the deleted region, as the console does.",
  parameters: conditionalWrite,
  request: { params: regionId },
  responses: { 200: jsonContent(rainbondV2Region, "Deleted"), ...missing, ...rainbondErrors.writes },
});
