import { z } from "@hono/zod-openapi";
import { jsonContent } from "./openapi.ts";

/** The error bodies of each dialect, as keystone-errors.ts and rainbond-errors.ts render them. */

export const keystoneError = z
  .strictObject({
    error: z.strictObject({
      code: z.number().int().openapi({ example: 404 }),
      title: z.string().openapi({ description: "The HTTP reason phrase", example: "Not Found" }),
      message: z.string().openapi({ example: "Could not find region: cn-east-1." }),
    }),
  })
  .openapi("KeystoneError", {
    description: "Keystone's error body, for every error of `/`, `/v3…`, `/admin…` and the gateway's own routes.",
  });

export const rainbondApiError = z
  .strictObject({
    detail: z.string(),
    code: z.number().int().openapi({ description: "The HTTP status", example: 403 }),
    msg: z.string(),
    msg_show: z.string(),
  })
  .openapi("RainbondApiError", {
    description: "The console's API error (custom_exception_handler): `detail`, `msg` and `msg_show` carry the same text.",
    example: {
      detail: "您没有执行该操作的权限。",
      code: 403,
      msg: "您没有执行该操作的权限。",
      msg_show: "您没有执行该操作的权限。",
    },
  });

export const rainbondValidationError = z
  .strictObject({
    detail: z.literal("参数错误"),
    err: z.record(z.string(), z.array(z.string())).openapi({ description: "Field → messages, in the serializer's field order" }),
    code: z.literal(20400),
    error_type: z.literal("ValidationError"),
  })
  .openapi("RainbondValidationError", {
    description: "A serializer's validation error (DRF): the console's wire field names and its Chinese messages.",
    example: { detail: "参数错误", err: { region_name: ["该字段是必填项。"] }, code: 20400, error_type: "ValidationError" },
  });

export const rainbondRegionNotFound = z
  .strictObject({
    code: z.literal(404),
    msg: z.string(),
    msg_show: z.string(),
    data: z.strictObject({ bean: z.strictObject({}), list: z.array(z.unknown()) }),
  })
  .openapi("RainbondRegionNotFound", {
    description: "v1: no region by this name or id among those the caller may see.",
    example: { code: 404, msg: "no found region", msg_show: "数据中心不存在", data: { bean: {}, list: [] } },
  });

export const rainbondV2Missing = z
  .strictObject({ msg: z.string() })
  .openapi("RainbondV2RegionMissing", { description: "v2: no region with this region_id.", example: { msg: "数据中心不存在" } });

export const rainbondServerError = z
  .strictObject({ code: z.literal(10401), msg: z.string(), msg_show: z.string() })
  .openapi("RainbondServerError", { description: "An unexpected error (the console's 500 body, without its traceback)." });

const rainbondCommon = {
  401: jsonContent(rainbondApiError, "No token, or not one the gateway knows (`WWW-Authenticate: Token`)."),
  403: jsonContent(rainbondApiError, "The credential may not do this (writes need an admin credential)."),
  413: jsonContent(rainbondApiError, "The body is over 1 MiB."),
  500: jsonContent(rainbondServerError, "Unexpected error."),
  503: jsonContent(rainbondApiError, "The database does not answer."),
};

/** The Rainbond errors every route may answer, plus those a route names. */
export const rainbondErrors = {
  reads: { 401: rainbondCommon[401], 500: rainbondCommon[500], 503: rainbondCommon[503] },
  writes: {
    ...rainbondCommon,
    400: jsonContent(
      z.union([rainbondValidationError, rainbondApiError]),
      "A field is wrong (`err` names it), or the body is not JSON / not `application/json`.",
    ),
    412: jsonContent(rainbondApiError, "`If-Match` / `If-None-Match` does not hold: nothing written."),
  },
};

const keystoneCommon = {
  401: jsonContent(
    keystoneError,
    "No token, an unknown, expired or revoked one, or a bad signature (`WWW-Authenticate: Keystone uri=…`).",
  ),
  403: jsonContent(keystoneError, "The credential may not do this."),
  500: jsonContent(keystoneError, "Unexpected error."),
  503: jsonContent(keystoneError, "The database does not answer."),
};

export const keystoneErrors = {
  reads: { 401: keystoneCommon[401], 500: keystoneCommon[500], 503: keystoneCommon[503] },
  writes: {
    ...keystoneCommon,
    400: jsonContent(keystoneError, "Invalid input: the message names the field, as Keystone's does."),
    413: jsonContent(keystoneError, "The body is over 1 MiB."),
  },
  notFound: { 404: jsonContent(keystoneError, "Not found.") },
  conflict: { 409: jsonContent(keystoneError, "A region with this id (or this Rainbond region_id) exists.") },
  precondition: { 412: jsonContent(keystoneError, "`If-Match` / `If-None-Match` does not hold: nothing written.") },
};
