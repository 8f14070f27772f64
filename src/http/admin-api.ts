import { createRoute, z } from "@hono/zod-openapi";
import {
  auditEntries,
  certificateHealth,
  createdCredential,
  credentialList,
  importReport,
  migrationDocument,
  status,
} from "./admin-schemas.ts";
import { keystoneError } from "./error-schemas.ts";
import { adminSecurity, idParam, jsonContent, metricsSecurity, noContent, query } from "./openapi.ts";
import { jsonBody } from "./request-bodies.ts";

/** The gateway's own routes: health, the admin API (Keystone-shaped errors), this document. */

const admin = { tags: ["Admin"], security: adminSecurity };
const gateway = { tags: ["Gateway"], security: [] };
const errors = {
  400: jsonContent(keystoneError, "Invalid input: the message names the field"),
  401: jsonContent(keystoneError, "No token, or not a valid one"),
  403: jsonContent(keystoneError, "Not an admin credential"),
  500: jsonContent(keystoneError, "Unexpected error"),
  503: jsonContent(keystoneError, "The database does not answer"),
};
const reads = { 401: errors[401], 403: errors[403], 500: errors[500], 503: errors[503] };

export const healthz = createRoute({
  ...gateway,
  method: "get",
  path: "/healthz",
  operationId: "healthz",
  summary: "Liveness",
  responses: { 200: jsonContent(status, "The process answers") },
});

export const readyz = createRoute({
  ...gateway,
  method: "get",
  path: "/readyz",
  operationId: "readyz",
  summary: "Readiness",
  responses: { 200: jsonContent(status, "The database answers"), 503: errors[503] },
});

export const metrics = createRoute({
  tags: ["Gateway"],
  security: metricsSecurity,
  method: "get",
  path: "/metrics",
  operationId: "metrics",
  summary: "Prometheus metrics",
  description:
    "Open without a token only when METRICS_TOKEN is unset and the gateway listens on loopback; otherwise `Authorization: Bearer <METRICS_TOKEN>`, and closed (403) when listening beyond loopback without one.",
  responses: {
    200: { description: "The Prometheus text format", content: { "text/plain": { schema: z.string() } } },
    401: errors[401],
    403: jsonContent(keystoneError, "Closed: the gateway listens beyond loopback and METRICS_TOKEN is not set"),
  },
});

export const regionHealth = createRoute({
  ...admin,
  method: "get",
  path: "/admin/v1/regions/health",
  operationId: "adminCertificateHealth",
  summary: "Certificate health of every region",
  parameters: query({ expiring_within: { description: "A number of days, such as `30d` (default 30d)", example: "30d" } }),
  responses: { 200: jsonContent(certificateHealth, "Every region that stores a certificate"), 400: errors[400], ...reads },
});

export const listCredentials = createRoute({
  ...admin,
  method: "get",
  path: "/admin/v1/credentials",
  operationId: "adminListCredentials",
  summary: "List credentials",
  responses: { 200: jsonContent(credentialList, "Every credential, without secrets"), ...reads },
});

export const createCredential = createRoute({
  ...admin,
  method: "post",
  path: "/admin/v1/credentials",
  operationId: "adminCreateCredential",
  summary: "Create a credential",
  description:
    "A bearer `token`, a `password` user (for `POST /v3/auth/tokens`) or an `access_key` (AK/SK for the Huawei SDKs). The secret is in the answer, once.",
  request: { body: jsonBody("CreateCredential", "The credential") },
  responses: {
    201: jsonContent(createdCredential, "Created; the secret is shown this once"),
    ...errors,
    409: jsonContent(keystoneError, "A user with this name exists"),
    413: jsonContent(keystoneError, "The body is over 1 MiB"),
  },
});

export const revokeCredential = createRoute({
  ...admin,
  method: "delete",
  path: "/admin/v1/credentials/{id}",
  operationId: "adminRevokeCredential",
  summary: "Revoke a credential",
  description: "Effective on the next request, on every instance.",
  request: { params: idParam("The credential id", "3f0c9a1e5b7d4c2a8e6f1b3d5a7c9e0f") },
  responses: { 204: noContent("Revoked"), 404: jsonContent(keystoneError, "No such credential"), ...reads },
});

export const audit = createRoute({
  ...admin,
  method: "get",
  path: "/admin/v1/audit",
  operationId: "adminAudit",
  summary: "The audit trail, newest first",
  parameters: query({
    region: { description: "Only the entries about this region (or credential)" },
    subject: { description: "Same as `region`" },
    limit: { description: "1 to 1000 (default 100)", example: "100" },
  }),
  responses: { 200: jsonContent(auditEntries, "The entries"), 400: errors[400], ...reads },
});

const format = { description: "`rainbond`, `keystone` or `canonical`", required: true, example: "rainbond" };

export const importRegions = createRoute({
  ...admin,
  method: "post",
  path: "/admin/v1/import",
  operationId: "adminImport",
  summary: "Import a catalogue",
  description:
    "Any Content-Type: `format` says what the body is. A document with any rejected record writes nothing (422 with the report). Limit: 64 MiB.",
  parameters: query({
    format,
    mode: { description: "`upsert` (default) or `create-only`" },
    dry_run: { description: "`true`: report what would change, write nothing" },
  }),
  request: { body: jsonBody("MigrationDocument", "A document in `format`") },
  responses: {
    200: jsonContent(importReport, "Imported (or, for a dry run, what would be)"),
    422: jsonContent(importReport, "Records were rejected: nothing written"),
    ...errors,
    413: jsonContent(keystoneError, "Larger than the import limit"),
  },
});

export const exportRegions = createRoute({
  ...admin,
  method: "get",
  path: "/admin/v1/export",
  operationId: "adminExport",
  summary: "Export the catalogue",
  parameters: query({
    format,
    include_secrets: { description: "`true`: key_file and token included (admins)" },
  }),
  responses: { 200: jsonContent(migrationDocument, "The catalogue in `format`"), 400: errors[400], ...reads },
});
