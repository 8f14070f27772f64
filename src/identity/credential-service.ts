import { z } from "zod";
import type { Catalog } from "../catalog/service.ts";
import { insertCredential, insertRevocation, revokeCredential } from "../db/identity-repo.ts";
import { GatewayError } from "../domain/errors.ts";
import type { Actor } from "../domain/principal.ts";
import { isStorableText, unstorableMessage } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import { hashToken, newAccessKey, newBearerToken, newCredentialId, newSecretKey, publicView } from "./credentials.ts";
import { hashPassword } from "./passwords.ts";

/**
 * Text PostgreSQL can store as sent: a lone UTF-16 surrogate would be stored as U+FFFD (and a
 * user name so altered could never log in as sent), a NUL refused by the driver.
 */
const storable = <T extends z.ZodString>(schema: T) => schema.refine(isStorableText, unstorableMessage);

const common = {
  role: z.enum(["admin", "reader"]),
  name: storable(
    z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\u0000-\u001f\u007f]+$/, "no control characters"),
  ).optional(),
  private_regions: z
    .union([
      z.literal("*"),
      z
        .array(storable(z.string().min(1).max(255)))
        .max(10_000)
        .refine((names) => !names.includes("*"), 'use "*" alone (not in a list) to grant every private region'),
    ])
    .optional(),
  enterprise_id: storable(
    z
      .string()
      .min(1)
      .max(36)
      .regex(/^[^\u0000-\u001f\u007f]+$/, "no control characters"),
  )
    .nullable()
    .optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
};

export const createCredentialSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("token"), ...common }).strict(),
  z
    .object({
      type: z.literal("password"),
      user_name: storable(
        z
          .string()
          .min(1)
          .max(255)
          .regex(/^[^\u0000-\u001f]+$/, "no control characters"),
      ),
      // hashed as UTF-8: a lone surrogate would be hashed as U+FFFD
      password: storable(z.string().min(8, "at least 8 characters").max(1024)),
      ...common,
    })
    .strict(),
  z.object({ type: z.literal("access_key"), ...common }).strict(),
]);
export type CreateCredential = z.infer<typeof createCredentialSchema>;

/** Creates a credential; the answer carries its secret, which is never shown again. */
export async function createCredential(
  catalog: Catalog,
  box: SecretBox,
  actor: Actor,
  input: CreateCredential,
  now = Date.now(),
) {
  const grants =
    input.private_regions === undefined ? [] : input.private_regions === "*" ? ["*"] : [...new Set(input.private_regions)];
  const missing = grants.filter((g) => g !== "*" && !catalog.get(g));
  if (missing.length > 0) {
    throw new GatewayError("validation", `private_regions: no region named ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
  }
  if (input.expires_at && Date.parse(input.expires_at) <= now) {
    throw new GatewayError("validation", "expires_at: must be in the future");
  }
  if (input.type === "password" && catalog.identity().credentials.some((c) => c.userName === input.user_name)) {
    throw new GatewayError("conflict", `a user named ${input.user_name} already exists`, { subject: input.user_name });
  }
  const id = newCredentialId();
  const token = input.type === "token" ? newBearerToken() : undefined;
  const access = input.type === "access_key" ? newAccessKey() : undefined;
  const secret = input.type === "access_key" ? newSecretKey() : undefined;
  const row = {
    id,
    type: input.type,
    name: input.name ?? (input.type === "password" ? input.user_name : `${input.type}-${id.slice(0, 8)}`),
    role: input.role,
    privateRegions: grants,
    enterpriseId: input.enterprise_id ?? null,
    expiresAt: input.expires_at ? new Date(input.expires_at).toISOString() : null,
    userName: input.type === "password" ? input.user_name : null,
    accessKey: access ?? null,
    secretHash: token ? hashToken(token) : input.type === "password" ? await hashPassword(input.password) : null,
    sealedSecret: secret ? box.seal(secret) : null,
  };
  const created = await catalog.store.write(id, actor, async (w) => {
    const inserted = await insertCredential(w.tx, row).catch((e) => {
      throw /user_name|userName/.test(String((e as { cause?: unknown }).cause ?? e))
        ? new GatewayError("conflict", "a user with this name already exists", { subject: row.userName ?? "" })
        : e;
    });
    w.audit({ action: "credential.create", subject: id, before: null, after: publicView(inserted) });
    w.touchIdentity();
    return inserted;
  });
  return {
    ...publicView(created),
    ...(token ? { token } : {}),
    ...(secret ? { secret } : {}),
  };
}

/** Revokes a credential: effective on the next request. */
export async function revoke(catalog: Catalog, actor: Actor, id: string): Promise<void> {
  // no credential id holds what PostgreSQL text cannot (NUL): none to revoke, and no SQL to send it in
  if (!isStorableText(id)) throw new GatewayError("not_found", `no credential ${id}`, { subject: id });
  await catalog.store.write(id, actor, async (w) => {
    const before = await revokeCredential(w.tx, id);
    if (!before) throw new GatewayError("not_found", `no credential ${id}`, { subject: id });
    w.audit({ action: "credential.revoke", subject: id, before: publicView(before), after: null });
    w.touchIdentity();
  });
}

/** Revokes one issued Keystone token (DELETE /v3/auth/tokens). */
export async function revokeIssuedToken(catalog: Catalog, actor: Actor, tokenId: string, expiresAt: number): Promise<void> {
  await catalog.store.write(tokenId, actor, async (w) => {
    await insertRevocation(w.tx, tokenId, new Date(expiresAt).toISOString());
    w.audit({ action: "token.revoke", subject: actor.id, before: { audit_id: tokenId }, after: null });
    w.touchIdentity();
  });
}

/**
 * The first start with no ADMIN_TOKEN and no admin credential: generates an admin token and
 * stores its hash. The caller shows the token once.
 */
export async function bootstrapAdmin(catalog: Catalog, box: SecretBox): Promise<string | null> {
  if (catalog.identity().credentials.some((c) => c.role === "admin")) return null;
  const created = await createCredential(
    catalog,
    box,
    { id: "system", name: "bootstrap", dialect: "system" },
    {
      type: "token",
      role: "admin",
      name: "bootstrap-admin",
    },
  );
  return created.token ?? null;
}
