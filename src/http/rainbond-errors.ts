import { GatewayError } from "../domain/errors.ts";

/**
 * Rainbond console error bodies (console.views.base.custom_exception_handler): validation
 * errors as `{"detail":"参数错误","err":{...},"code":20400}`, other API errors as
 * `{"detail","code","msg","msg_show"}`. Tracebacks are never sent.
 */
export interface Rendered {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export const rainbondMessages = {
  forbidden: "您没有执行该操作的权限。",
  notFound: "未找到。",
  regionMissing: "数据中心不存在",
  regionMissingOnWrite: "修改的数据中心不存在",
  duplicateName: "具有 region name 的 region config 已存在。",
  duplicateId: "具有 region id 的 region config 已存在。",
  tooLarge: "请求体过大，上限为 1 MiB。",
  unavailable: "数据库暂时不可用，请稍后重试。",
  methodNotAllowed: (m: string) => `方法 “${m}” 不被允许。`,
};

const apiError = (status: number, detail: string): Rendered => ({
  status,
  body: { detail, code: status, msg: detail, msg_show: detail },
  headers: {},
});

export function renderRainbondError(error: unknown, method: string): Rendered {
  if (!(error instanceof GatewayError)) {
    // The legacy console's 500 body, without its traceback.
    return { status: 500, body: { code: 10401, msg: "", msg_show: "服务端异常" }, headers: {} };
  }
  switch (error.code) {
    case "validation":
      return {
        status: 400,
        body: { detail: "参数错误", err: error.fields ?? {}, code: 20400, error_type: "ValidationError" },
        headers: {},
      };
    case "conflict": {
      const field = error.conflictOn === "uid" ? "region_id" : "region_name";
      const message = error.conflictOn === "uid" ? rainbondMessages.duplicateId : rainbondMessages.duplicateName;
      return {
        status: 400,
        body: { detail: "参数错误", err: { [field]: [message] }, code: 20400, error_type: "ValidationError" },
        headers: {},
      };
    }
    case "bad_request":
    case "cycle":
      return apiError(400, error.message);
    case "unauthorized":
      return { ...apiError(401, error.message), headers: { "WWW-Authenticate": "Token" } };
    case "forbidden":
      return apiError(403, rainbondMessages.forbidden);
    case "not_found":
      return {
        status: 404,
        body: { code: 404, msg: "no found region", msg_show: rainbondMessages.regionMissing, data: { bean: {}, list: [] } },
        headers: {},
      };
    case "route_not_found":
      return apiError(404, rainbondMessages.notFound);
    case "method_not_allowed":
      return { ...apiError(405, rainbondMessages.methodNotAllowed(method)), headers: { Allow: (error.allow ?? []).join(", ") } };
    case "payload_too_large":
      return { ...apiError(413, rainbondMessages.tooLarge), headers: { Connection: "close" } };
    case "unavailable":
      return apiError(503, rainbondMessages.unavailable);
    case "too_many_requests":
      return { ...apiError(429, error.message), headers: { "Retry-After": "1" } };
    case "request_timeout":
    case "headers_too_large":
      return apiError(error.status, error.message);
  }
}
