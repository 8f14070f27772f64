import { rainbondKeyOf } from "../adapters/rainbond-fields.ts";
import type { CertificateProblem } from "../domain/certificates.ts";
import { GatewayError } from "../domain/errors.ts";
import { type JsonProblem, maxJsonDepth } from "../domain/json-limits.ts";
import { asGatewayError, type Rendered } from "./errors.ts";

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
  preconditionFailed: "数据中心已被修改（If-Match 与当前 ETag 不符），请重新获取后再试。",
  regionExists: "数据中心已存在（If-None-Match: *）。",
  certificate: {
    not_pem: "证书格式不正确，需要 PEM 格式的证书。",
    expired: (at: string) => `证书已于 ${at.slice(0, 10)} 过期。`,
    key_mismatch: "私钥与证书不匹配。",
  },
};

/**
 * A body that breaks the limits of json-limits.ts, as a DRF field error (`err` keyed by the
 * top-level field it is in, `non_field_errors` for the body itself), in the console's language.
 */
export function rainbondJsonRefusal(p: JsonProblem): GatewayError {
  const messages: Record<JsonProblem["kind"], string> = {
    depth: `嵌套层级不能超过 ${maxJsonDepth} 层。`,
    key: `不允许使用属性名 “${String(p.path.at(-1))}”。`,
    number: "数值超出范围。",
  };
  const field = typeof p.path[0] === "string" ? p.path[0] : "non_field_errors";
  return new GatewayError("validation", `invalid body: ${p.message}`, { fields: { [field]: [messages[p.kind]] } });
}

/** Certificate problems as the console would word a field error: wire field name → Chinese messages. */
export function certificateErrors(problems: CertificateProblem[]): Record<string, string[]> {
  const err: Record<string, string[]> = {};
  for (const p of problems) {
    const m = rainbondMessages.certificate;
    const message = p.kind === "expired" ? m.expired(p.notAfter ?? "") : m[p.kind];
    const field = rainbondKeyOf[p.field];
    err[field] = [...(err[field] ?? []), message];
  }
  return err;
}

const apiError = (status: number, detail: string): Rendered => ({
  status,
  body: { detail, code: status, msg: detail, msg_show: detail },
  headers: {},
});

/** The request an error answers: its method as sent (HEAD is not GET) and its path. */
export interface RainbondRequest {
  method: string;
  path: string;
}

/**
 * A missing region, as each of the console's views answers it: the v2 manage views with a bare
 * `{"msg"}` (another text when the request would change it), grctl's ReplaceRegionIP with its
 * general_message, the v1 views with their general_message and an empty `data`.
 */
function regionMissing(request: RainbondRequest): Rendered {
  let body: unknown;
  if (request.path.startsWith("/openapi/v2/")) {
    const read = request.method === "GET" || request.method === "HEAD";
    body = { msg: read ? rainbondMessages.regionMissing : rainbondMessages.regionMissingOnWrite };
  } else if (request.path.startsWith("/openapi/v1/grctl/")) {
    body = { code: 404, msg: "region not found", msg_show: rainbondMessages.regionMissing };
  } else {
    body = { code: 404, msg: "no found region", msg_show: rainbondMessages.regionMissing, data: { bean: {}, list: [] } };
  }
  return { status: 404, body, headers: {} };
}

/**
 * Every code in the console's shapes (console.views.base.custom_exception_handler): validation
 * errors as `{"detail":"参数错误","err":{...},"code":20400}`, other API errors as
 * `{"detail","code","msg","msg_show"}`; a duplicate is a DRF field error (400) as the console's
 * serializer answers it. Tracebacks are never sent. The switch is exhaustive: a new code does not
 * typecheck until it is rendered here.
 */
export function renderRainbondError(thrown: unknown, request: RainbondRequest): Rendered {
  const error = asGatewayError(thrown);
  switch (error.code) {
    case "validation":
      return {
        status: 400,
        body: {
          detail: "参数错误",
          err: error.certificates ? certificateErrors(error.certificates) : (error.fields ?? {}),
          code: 20400,
          error_type: "ValidationError",
        },
        headers: {},
      };
    case "conflict": {
      const field = rainbondKeyOf[error.conflictOn ?? "name"];
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
      return regionMissing(request);
    case "route_not_found":
      return apiError(404, rainbondMessages.notFound);
    case "method_not_allowed":
      return {
        ...apiError(405, rainbondMessages.methodNotAllowed(request.method)),
        headers: { Allow: (error.allow ?? []).join(", ") },
      };
    case "precondition_failed":
      return apiError(412, error.message);
    case "payload_too_large":
      return { ...apiError(413, rainbondMessages.tooLarge), headers: { Connection: "close" } };
    case "unavailable":
      return apiError(503, rainbondMessages.unavailable);
    case "too_many_requests":
      return { ...apiError(429, error.message), headers: { "Retry-After": "1" } };
    case "request_timeout":
    case "headers_too_large":
      return apiError(error.status, error.message);
    case "internal":
      // The legacy console's 500 body, without its traceback.
      return { status: 500, body: { code: 10401, msg: "", msg_show: "服务端异常" }, headers: {} };
  }
}
