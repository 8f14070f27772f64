import { createRoute } from "@hono/zod-openapi";
import { keystoneError, keystoneErrors } from "./error-schemas.ts";
import {
  keystoneCatalog,
  keystoneDomains,
  keystoneProjects,
  keystoneRegionEnvelope,
  keystoneRegionList,
  keystoneToken,
  keystoneVersion,
  keystoneVersions,
} from "./keystone-schemas.ts";
import {
  conditionalRead,
  conditionalWrite,
  headers,
  idParam,
  jsonContent,
  keystoneSecurity,
  noContent,
  notModified,
  query,
  tokenSecurity,
} from "./openapi.ts";
import { jsonBody } from "./request-bodies.ts";

/** Keystone / Huawei IAM routes: `/`, `/v3`, `/v3/regions…` and `/v3/auth/…`. */

const regions = { tags: ["Keystone regions"], security: keystoneSecurity };
const identity = { tags: ["Keystone identity"] };
const { reads, writes, notFound, conflict, precondition } = keystoneErrors;

export const root = createRoute({
  ...identity,
  method: "get",
  path: "/",
  operationId: "keystoneVersions",
  summary: "Version discovery",
  description: "300 Multiple Choices with `Location: …/v3/`, as Keystone answers.",
  responses: { 300: jsonContent(keystoneVersions, "The versions") },
});

export const v3 = createRoute({
  ...identity,
  method: "get",
  path: "/v3",
  operationId: "keystoneVersion",
  summary: "The v3 version document",
  responses: { 200: jsonContent(keystoneVersion, "v3") },
});

export const listRegions = createRoute({
  ...regions,
  method: "get",
  path: "/v3/regions",
  operationId: "keystoneListRegions",
  summary: "List regions",
  description: "Public regions, and the private ones the credential is granted (admins see all).",
  parameters: [
    ...query({
      parent_region_id: { description: "Only the children of this region" },
      name: { description: "Only the region with this id (the openstack CLI's fallback lookup)" },
      parent_region_id__startswith: {
        description:
          "Keystone's inexact filters on parent_region_id: `__contains`, `__icontains`, `__startswith`, `__istartswith`, `__endswith`, `__iendswith`",
      },
    }),
    ...conditionalRead,
  ],
  responses: { 200: jsonContent(keystoneRegionList, "The regions"), 304: notModified, ...reads },
});

export const createRegion = createRoute({
  ...regions,
  method: "post",
  path: "/v3/regions",
  operationId: "keystoneCreateRegion",
  summary: "Create a region",
  description: "Admins only. Without an `id` one is generated.",
  parameters: conditionalWrite,
  request: { body: jsonBody("KeystoneRegionBody", "The region") },
  responses: {
    201: jsonContent(keystoneRegionEnvelope, "Created (with its ETag)"),
    ...writes,
    ...notFound,
    ...conflict,
    ...precondition,
  },
});

const regionId = idParam("The region's id (Rainbond's region_name)", "cn-east-1");

export const showRegion = createRoute({
  ...regions,
  method: "get",
  path: "/v3/regions/{id}",
  operationId: "keystoneShowRegion",
  summary: "Show a region",
  parameters: conditionalRead,
  request: { params: regionId },
  responses: {
    200: jsonContent(keystoneRegionEnvelope, "The region (with its ETag)"),
    304: notModified,
    ...notFound,
    ...reads,
  },
});

export const putRegion = createRoute({
  ...regions,
  method: "put",
  path: "/v3/regions/{id}",
  operationId: "keystonePutRegion",
  summary: "Create a region with this id",
  description: "Admins only. An existing id is a 409.",
  parameters: conditionalWrite,
  request: { params: regionId, body: jsonBody("KeystoneRegionBody", "The region") },
  responses: {
    201: jsonContent(keystoneRegionEnvelope, "Created (with its ETag)"),
    ...writes,
    ...notFound,
    ...conflict,
    ...precondition,
  },
});

export const patchRegion = createRoute({
  ...regions,
  method: "patch",
  path: "/v3/regions/{id}",
  operationId: "keystoneUpdateRegion",
  summary: "Update a region",
  description: "Admins only. Endpoints, certificates and tokens (Rainbond's fields) are never touched.",
  parameters: conditionalWrite,
  request: { params: regionId, body: jsonBody("KeystoneRegionBody", "The fields to change") },
  responses: {
    200: jsonContent(keystoneRegionEnvelope, "Updated (with its ETag)"),
    ...writes,
    ...notFound,
    ...precondition,
  },
});

export const deleteRegion = createRoute({
  ...regions,
  method: "delete",
  path: "/v3/regions/{id}",
  operationId: "keystoneDeleteRegion",
  summary: "Delete a region",
  description: "Admins only. A region with children cannot be deleted.",
  parameters: conditionalWrite,
  request: { params: regionId },
  responses: { 204: noContent("Deleted"), ...writes, ...notFound, ...conflict, ...precondition },
});

const subjectToken = headers({
  "X-Subject-Token": { description: "The token to validate or revoke", required: true },
});
const nocatalog = query({ nocatalog: { description: "Present: the token body has no `catalog`" } });

export const issueToken = createRoute({
  ...identity,
  method: "post",
  path: "/v3/auth/tokens",
  operationId: "keystoneIssueToken",
  summary: "Issue a token",
  description: "Password (a `password` credential) or token authentication. The token is in `X-Subject-Token`.",
  parameters: nocatalog,
  request: { body: jsonBody("KeystoneAuthBody", "keystoneauth's body") },
  responses: {
    201: jsonContent(keystoneToken, "Issued (`X-Subject-Token` carries it)"),
    400: jsonContent(keystoneError, "Invalid input"),
    ...reads,
    401: jsonContent(keystoneError, "Wrong user, password or token"),
    413: jsonContent(keystoneError, "The body is over 1 MiB."),
    429: jsonContent(keystoneError, "Too many password checks at once (`Retry-After: 1`)"),
  },
});

export const validateToken = createRoute({
  ...identity,
  security: tokenSecurity,
  method: "get",
  path: "/v3/auth/tokens",
  operationId: "keystoneValidateToken",
  summary: "Validate a token",
  description: "An admin may name any token, any other caller only its own.",
  parameters: [...subjectToken, ...nocatalog],
  responses: { 200: jsonContent(keystoneToken, "Valid"), 403: keystoneErrors.writes[403], ...notFound, ...reads },
});

export const revokeToken = createRoute({
  ...identity,
  security: tokenSecurity,
  method: "delete",
  path: "/v3/auth/tokens",
  operationId: "keystoneRevokeToken",
  summary: "Revoke an issued token",
  parameters: subjectToken,
  responses: { 204: noContent("Revoked"), 403: keystoneErrors.writes[403], ...notFound, ...reads },
});

const authInfo = { ...identity, security: keystoneSecurity, method: "get" } as const;

export const authCatalog = createRoute({
  ...authInfo,
  path: "/v3/auth/catalog",
  operationId: "keystoneAuthCatalog",
  summary: "The caller's service catalogue",
  responses: {
    200: jsonContent(keystoneCatalog, "The gateway as the identity service, in every region the caller sees"),
    ...reads,
  },
});
export const authProjects = createRoute({
  ...authInfo,
  path: "/v3/auth/projects",
  operationId: "keystoneAuthProjects",
  summary: "The caller's projects",
  responses: { 200: jsonContent(keystoneProjects, "The project the token is scoped to, if any"), ...reads },
});
export const authDomains = createRoute({
  ...authInfo,
  path: "/v3/auth/domains",
  operationId: "keystoneAuthDomains",
  summary: "The caller's domains",
  responses: { 200: jsonContent(keystoneDomains, "The Default domain"), ...reads },
});
