import { type Hook, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import type { BlankEnv } from "hono/types";
import { GatewayError } from "../domain/errors.ts";

/**
 * Routers whose routes are `createRoute` definitions: the handlers are typed by them and the
 * OpenAPI document (GET /openapi.json) is generated from them. Request bodies and query strings are
 * described for the document only (see `jsonBody`, `query`): each dialect keeps parsing them itself,
 * with its own messages and error shapes.
 */

/** The security schemes of the document (components.securitySchemes), by name. */
export const securitySchemes = {
  XAuthToken: {
    type: "apiKey",
    in: "header",
    name: "X-Auth-Token",
    description:
      "Keystone, Huawei IAM and the admin API: a stored token, or one issued by `POST /v3/auth/tokens` (its `X-Subject-Token`).",
  },
  RawAuthorization: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "The Rainbond console's OpenAPI token, sent raw (`Authorization: <token>`) as the console and grctl send it; a `Bearer ` or `Token ` prefix is tolerated. The admin API accepts it too.",
  },
  SdkHmacSha256: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "Huawei Cloud SDK access-key signature: `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<…;x-sdk-date>, Signature=<hex>` with an `X-Sdk-Date` header (at most 15 minutes off). Access keys are created through `POST /admin/v1/credentials` with `type: access_key`.",
  },
  MetricsToken: {
    type: "http",
    scheme: "bearer",
    description:
      "`GET /metrics` only: `Authorization: Bearer <METRICS_TOKEN>` (not needed on loopback when METRICS_TOKEN is unset).",
  },
} as const;

export type SecuritySchemeName = keyof typeof securitySchemes;
type Requirement = Partial<Record<SecuritySchemeName, string[]>>;
const requirement = (...names: SecuritySchemeName[]): Record<string, string[]>[] =>
  names.map((n) => ({ [n]: [] }) satisfies Requirement);
export const keystoneSecurity = requirement("XAuthToken", "SdkHmacSha256");
export const rainbondSecurity = requirement("RawAuthorization");
export const adminSecurity = requirement("XAuthToken", "RawAuthorization");
export const tokenSecurity = requirement("XAuthToken");
/** `{}`: no credential, allowed when METRICS_TOKEN is unset on loopback */
export const metricsSecurity = [...requirement("MetricsToken"), {}];

/** Tags, in the order the docs page shows them: the two dialects side by side, then the rest. */
export const tags = [
  {
    name: "Keystone regions",
    description: "Keystone / Huawei IAM `/v3/regions`: what the `openstack` CLI, gophercloud and the Huawei SDKs call.",
  },
  {
    name: "Rainbond v1 regions",
    description: "The Rainbond console's OpenAPI v1 (`/openapi/v1/regions`, and grctl's `replace ip`).",
  },
  { name: "Rainbond v2 regions", description: "The Rainbond console's OpenAPI v2 (`/openapi/v2/manage/regions`)." },
  {
    name: "Keystone identity",
    description: "Keystone's version documents and `/v3/auth/...`: tokens, the service catalogue, projects and domains.",
  },
  {
    name: "Admin",
    description:
      "The gateway's own admin API: credentials, audit trail, certificate health, import and export. Admin credentials only; errors in the Keystone shape.",
  },
  { name: "Gateway", description: "Health, readiness, metrics, this document and the docs page." },
] as const;
export type Tag = (typeof tags)[number]["name"];

/**
 * Validation by the library (path parameters) fails in the caller's dialect: the error goes to
 * the app's error handler like every other (it never fails today: path parameters are strings).
 */
const defaultHook: Hook<unknown, any, string, undefined> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  throw new GatewayError("validation", `${issue?.path.join(".") || result.target}: ${issue?.message}`, {
    fields: { [String(issue?.path[0] ?? result.target)]: [issue?.message ?? "is invalid"] },
  });
};

export function createRouter<E extends Env = BlankEnv>() {
  return new OpenAPIHono<E>({ strict: false, defaultHook });
}

/**
 * Answers every method a path does not declare with 405 and an `Allow` header (HEAD is served by
 * GET). Call it after the router's routes are registered.
 */
export function refuseOtherMethods(router: OpenAPIHono<any, any, any>, options: { except?: readonly string[] } = {}): void {
  const allowed = new Map<string, string[]>();
  for (const d of router.openAPIRegistry.definitions) {
    if (d.type !== "route" || options.except?.includes(d.route.path)) continue;
    const method = d.route.method.toUpperCase();
    allowed.set(d.route.path, [...(allowed.get(d.route.path) ?? []), ...(method === "GET" ? ["GET", "HEAD"] : [method])]);
  }
  for (const [path, allow] of allowed) {
    router.all(path.replaceAll(/\{(.+?)\}/g, ":$1"), () => {
      throw new GatewayError("method_not_allowed", "method not allowed", { allow });
    });
  }
}

type ParameterDoc = { description: string; example?: string; required?: boolean };

function parameters(where: "query" | "header", docs: Record<string, ParameterDoc>) {
  return Object.entries(docs).map(([name, d]) => ({
    name,
    in: where,
    required: d.required ?? false,
    description: d.description,
    schema: { type: "string" as const, ...(d.example === undefined ? {} : { example: d.example }) },
  }));
}

/** Query parameters, for the document only: the handlers read the query string as the real services do. */
export const query = (docs: Record<string, ParameterDoc>) => parameters("query", docs);
export const headers = (docs: Record<string, ParameterDoc>) => parameters("header", docs);

export const conditionalRead = headers({
  "If-None-Match": { description: "An ETag from an earlier answer: 304 without a body when nothing changed." },
});
export const conditionalWrite = headers({
  "If-Match": { description: "Write only if the region's ETag is still this one (else 412, nothing written)." },
  "If-None-Match": { description: "`*`: create only if no region has this name or id (else 412)." },
});

export const jsonContent = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const notModified = { description: "Not modified: the `If-None-Match` ETag is current." } as const;
export const noContent = (description: string) => ({ description }) as const;

export const idParam = (description: string, example: string) =>
  z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, description, example }) });
