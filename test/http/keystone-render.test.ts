import { describe, expect, it } from "vitest";
import { type ErrorCode, GatewayError, type GatewayErrorOptions } from "../../src/domain/errors.ts";
import { keystoneBody, renderKeystoneError } from "../../src/http/keystone-errors.ts";

const base = "https://iam.example.com";

describe("renderKeystoneError: every error in Keystone's {error:{code,title,message}} shape", () => {
  it.each<{
    code: ErrorCode;
    message: string;
    options?: GatewayErrorOptions;
    status: number;
    title: string;
    want: string;
    headers?: Record<string, string>;
  }>([
    {
      code: "validation",
      message: "Invalid input for field 'id': 1 is not of type 'string'",
      status: 400,
      title: "Bad Request",
      want: "Invalid input for field 'id': 1 is not of type 'string'",
    },
    { code: "bad_request", message: "Cannot change ID", status: 400, title: "Bad Request", want: "Cannot change ID" },
    {
      code: "cycle",
      message: "internal wording",
      options: { subject: "cn-north-1" },
      status: 400,
      title: "Bad Request",
      want: "The specified parent region cn-north-1 would create a circular region hierarchy.",
    },
    {
      code: "unauthorized",
      message: "The request you have made requires authentication.",
      status: 401,
      title: "Unauthorized",
      want: "The request you have made requires authentication.",
      headers: { "WWW-Authenticate": 'Keystone uri="https://iam.example.com/v3"' },
    },
    {
      code: "unauthorized",
      message: "",
      status: 401,
      title: "Unauthorized",
      want: "The request you have made requires authentication.",
    },
    {
      code: "forbidden",
      message: "You are not authorized to perform the requested action: identity:create_region.",
      status: 403,
      title: "Forbidden",
      want: "You are not authorized to perform the requested action: identity:create_region.",
    },
    {
      code: "not_found",
      message: "internal wording",
      options: { subject: "foo" },
      status: 404,
      title: "Not Found",
      want: "Could not find region: foo.",
    },
    { code: "not_found", message: "Could not find token.", status: 404, title: "Not Found", want: "Could not find token." },
    {
      code: "route_not_found",
      message: "no such path",
      status: 404,
      title: "Not Found",
      want: "The resource could not be found.",
    },
    {
      code: "method_not_allowed",
      message: "x",
      options: { allow: ["GET", "HEAD", "POST"] },
      status: 405,
      title: "Method Not Allowed",
      want: "The method is not allowed for the requested URL.",
      headers: { Allow: "GET, HEAD, POST" },
    },
    {
      code: "conflict",
      message: "a region with name cn-north-1 already exists",
      options: { subject: "cn-north-1", conflictOn: "name" },
      status: 409,
      title: "Conflict",
      want: "Conflict occurred attempting to store region - Duplicate ID, cn-north-1..",
    },
    {
      code: "conflict",
      message: "a user named alice already exists",
      options: { subject: "alice" },
      status: 409,
      title: "Conflict",
      want: "a user named alice already exists",
    },
    {
      code: "payload_too_large",
      message: "x",
      status: 413,
      title: "Request Entity Too Large",
      want: "Request is too large. Larger than max_request_body_size (1048576).",
      headers: { Connection: "close" },
    },
    {
      code: "unavailable",
      message: "x",
      status: 503,
      title: "Service Unavailable",
      want: "The service is temporarily unavailable: the database does not answer.",
    },
  ])("$code ($status) → $want", ({ code, message, options, status, title, want, headers }) => {
    const rendered = renderKeystoneError(new GatewayError(code, message, options), base);
    expect(rendered.status).toBe(status);
    expect(rendered.body).toEqual({ error: { code: status, title, message: want } });
    if (headers) expect(rendered.headers).toEqual(headers);
    if (code !== "unauthorized") expect(rendered.headers["WWW-Authenticate"]).toBeUndefined();
  });

  it("anything else is a 500 that shows nothing of the error", () => {
    const rendered = renderKeystoneError(new Error("password=hunter2 at db.example:5432"), base);
    expect(rendered.status).toBe(500);
    expect(rendered.body).toEqual({
      error: {
        code: 500,
        title: "Internal Server Error",
        message: "An unexpected error prevented the server from fulfilling your request.",
      },
    });
    expect(JSON.stringify(rendered)).not.toContain("hunter2");
  });

  it("keystoneBody uses the reason phrase as title", () => {
    expect(keystoneBody(404, "m")).toEqual({ error: { code: 404, title: "Not Found", message: "m" } });
    expect(keystoneBody(413, "m").error.title).toBe("Request Entity Too Large");
  });
});
