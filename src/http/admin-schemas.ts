import { z } from "@hono/zod-openapi";
import { importModes } from "../migration/plan.ts";
import { keystoneRegionList } from "./keystone-schemas.ts";

/** The admin API's bodies (identity/credentials.ts publicView, the audit trail, import reports). */

const credentialFields = {
  id: z.string().openapi({ example: "3f0c9a1e5b7d4c2a8e6f1b3d5a7c9e0f" }),
  type: z.string().openapi({ enum: ["token", "password", "access_key"] }),
  name: z.string(),
  role: z.string().openapi({ enum: ["admin", "reader"] }),
  private_regions: z
    .union([z.string().openapi({ enum: ["*"] }), z.array(z.string())])
    .openapi({ description: '"*": every private region' }),
  enterprise_id: z.string().nullable(),
  expires_at: z.string().nullable(),
  created_at: z.string(),
  user_name: z.string().nullable().optional().openapi({ description: "password credentials" }),
  access: z.string().nullable().optional().openapi({ description: "access_key credentials: the AK" }),
};

export const credentialView = z.strictObject(credentialFields).openapi("Credential", {
  description: "A credential as the admin API shows it: never a hash, never a secret.",
});
export const credentialList = z.strictObject({ credentials: z.array(credentialView) }).openapi("CredentialList");
export const createdCredential = z
  .strictObject({
    ...credentialFields,
    token: z.string().optional().openapi({ description: "type token: the bearer token, shown this once" }),
    secret: z.string().optional().openapi({ description: "type access_key: the SK, shown this once" }),
  })
  .openapi("CreatedCredential");

export const auditEntries = z
  .strictObject({
    entries: z.array(
      z.strictObject({
        id: z.number().int(),
        at: z.string(),
        actor: z.strictObject({ id: z.string(), name: z.string() }),
        dialect: z.string().openapi({ enum: ["rainbond", "keystone", "admin", "system"] }),
        action: z.string().openapi({ example: "region.create" }),
        subject: z.string(),
        before: z.unknown().openapi({
          description:
            'The record before (secrets redacted; an import\'s entries show certificates as "sha256:" and their hex SHA-256); null on create',
        }),
        after: z.unknown().openapi({
          description:
            'The record after (secrets redacted; an import\'s entries show certificates as "sha256:" and their hex SHA-256); null on delete',
        }),
      }),
    ),
  })
  .openapi("AuditEntries");

const certificate = z
  .strictObject({ subject: z.string(), issuer: z.string(), not_before: z.string(), not_after: z.string(), days_left: z.number() })
  .nullable();
export const certificateHealth = z
  .strictObject({
    expiring_within_days: z.number().int(),
    regions: z.array(
      z.strictObject({
        region: z.string(),
        ca: certificate,
        cert: certificate,
        unreadable: z.array(z.enum(["ssl_ca_cert", "cert_file"])),
        chains_to_ca: z.boolean().nullable(),
        key_matches_cert: z.boolean().nullable(),
        days_left: z.number().nullable(),
        expiring: z.boolean(),
      }),
    ),
  })
  .openapi("CertificateHealth");

const rejection = z.strictObject({
  index: z.number().int(),
  name: z.string().nullable(),
  reason: z.string(),
  record: z.unknown().openapi({ description: "The record as the document gave it, secrets redacted" }),
});
export const importReport = z
  .strictObject({
    format: z.enum(["rainbond", "keystone", "canonical"]),
    mode: z.enum(importModes),
    dry_run: z.boolean(),
    written: z.boolean(),
    version: z.number().int(),
    summary: z.strictObject({
      records: z.number().int(),
      created: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      rejected: z.number().int(),
    }),
    created: z.array(z.string()),
    updated: z.array(z.strictObject({ name: z.string(), fields: z.array(z.string()) })),
    unchanged: z.array(z.string()),
    rejected: z.array(rejection),
  })
  .openapi("ImportReport");

export const migrationDocument = z
  .union([z.array(z.record(z.string(), z.unknown())), keystoneRegionList])
  .openapi("MigrationDocument", {
    description: "rainbond and canonical: a JSON array of records; keystone: the `/v3/regions` list.",
  });

export const status = z.strictObject({ status: z.literal("ok") }).openapi("Status");
