import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { type ErrorCode, GatewayError, statusOf } from "../../src/domain/errors.ts";
import { asGatewayError } from "../../src/http/errors.ts";
import { renderKeystoneError } from "../../src/http/keystone-errors.ts";
import { renderRainbondError } from "../../src/http/rainbond-errors.ts";

const codes = Object.keys(statusOf) as ErrorCode[];
const v1 = { method: "GET", path: "/openapi/v1/regions/x" };

describe("one error model, rendered per dialect", () => {
  it.each(codes)("%s is rendered by both dialects with its status (a Rainbond duplicate is the console's 400)", (code) => {
    const error = new GatewayError(code, "message");
    const keystone = renderKeystoneError(error, "https://gw.example");
    expect(keystone.status).toBe(statusOf[code]);
    expect(keystone.body).toMatchObject({ error: { code: statusOf[code], title: expect.any(String) } });
    const rainbond = renderRainbondError(error, v1);
    expect(rainbond.status).toBe(code === "conflict" ? 400 : statusOf[code]);
    expect(rainbond.body).toMatchObject({ code: expect.any(Number) });
  });

  it("a missing region is worded as each console view words it", () => {
    const missing = new GatewayError("not_found", "no region x", { subject: "x" });
    const bodyOf = (method: string, path: string) => renderRainbondError(missing, { method, path }).body;
    expect(bodyOf("GET", "/openapi/v1/regions/x")).toEqual({
      code: 404,
      msg: "no found region",
      msg_show: "数据中心不存在",
      data: { bean: {}, list: [] },
    });
    expect(bodyOf("GET", "/openapi/v2/manage/regions/x")).toEqual({ msg: "数据中心不存在" });
    expect(bodyOf("HEAD", "/openapi/v2/manage/regions/x")).toEqual({ msg: "数据中心不存在" });
    expect(bodyOf("PUT", "/openapi/v2/manage/regions/x")).toEqual({ msg: "修改的数据中心不存在" });
    expect(bodyOf("DELETE", "/openapi/v2/manage/regions/x")).toEqual({ msg: "修改的数据中心不存在" });
    expect(bodyOf("POST", "/openapi/v1/grctl/ip")).toEqual({ code: 404, msg: "region not found", msg_show: "数据中心不存在" });
  });

  it("a body over another limit than 1 MiB names that limit", () => {
    const error = new GatewayError("payload_too_large", "x", { limit: { name: "the import limit", bytes: 42 } });
    expect(renderKeystoneError(error, "").body).toEqual({
      error: {
        code: 413,
        title: "Request Entity Too Large",
        message: "Request is too large. Larger than the import limit (42).",
      },
    });
  });

  describe("tiers: GatewayError, hono's HTTPException, anything else", () => {
    it("a GatewayError is itself", () => {
      const error = new GatewayError("forbidden", "no");
      expect(asGatewayError(error)).toBe(error);
    });

    it.each<[number, ErrorCode]>([
      [400, "bad_request"],
      [401, "unauthorized"],
      [404, "route_not_found"],
      [413, "payload_too_large"],
      [415, "bad_request"],
      [500, "internal"],
      [502, "internal"],
    ])("an HTTPException %i is %s", (status, code) => {
      expect(asGatewayError(new HTTPException(status as 400, { message: "m" })).code).toBe(code);
    });

    it("an HTTPException keeps its message; an unexpected error shows none of its own", () => {
      expect(asGatewayError(new HTTPException(400, { message: "Malformed JSON in request body" })).message).toBe(
        "Malformed JSON in request body",
      );
      const secret = new Error("password=hunter2 at db.example:5432");
      for (const e of [secret, new HTTPException(500, { message: "password=hunter2" }), "a string", undefined]) {
        const error = asGatewayError(e);
        expect(error.code).toBe("internal");
        expect(JSON.stringify(renderKeystoneError(e, ""))).not.toContain("hunter2");
        expect(JSON.stringify(renderRainbondError(e, v1))).not.toContain("hunter2");
      }
    });
  });
});
