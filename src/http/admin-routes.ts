import { certificateReport } from "../catalog/certificate-health.ts";
import type { Catalog } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import { actorOf } from "../domain/principal.ts";
import { isStorableText, unstorableMessage } from "../domain/region.ts";
import type { SecretBox } from "../domain/secret-box.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { createCredential, createCredentialSchema, revoke } from "../identity/credential-service.ts";
import { publicView } from "../identity/credentials.ts";
import * as api from "./admin-api.ts";
import { type AuthVariables, adminAuth } from "./auth.ts";
import { readJson } from "./body.ts";
import { keystoneBodyMessages } from "./keystone-errors.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";

export interface AdminDeps {
  catalog: Catalog;
  auth: Authenticator;
  secretBox: SecretBox;
}

/** `/admin/v1/credentials` and `/admin/v1/audit`: admin credentials only; Keystone-shaped errors. */
export function createAdminRoutes(deps: AdminDeps) {
  const router = createRouter<{ Variables: AuthVariables }>();
  router.use("/admin/v1/credentials", adminAuth(deps.auth));
  router.use("/admin/v1/credentials/*", adminAuth(deps.auth));
  router.use("/admin/v1/audit", adminAuth(deps.auth));
  router.use("/admin/v1/regions/health", adminAuth(deps.auth));

  router.openapi(api.regionHealth, (c) => {
    const within = c.req.query("expiring_within") ?? "30d";
    const match = /^(\d{1,5})d?$/.exec(within);
    if (!match) throw new GatewayError("validation", "expiring_within: a number of days, such as 30d");
    const days = Number(match[1]);
    return c.json({ expiring_within_days: days, regions: certificateReport(deps.catalog.list(), new Date(), days) }, 200);
  });

  router.openapi(api.listCredentials, (c) => c.json({ credentials: deps.catalog.identity().credentials.map(publicView) }, 200));
  router.openapi(api.createCredential, async (c) => {
    const parsed = createCredentialSchema.safeParse(await readJson(c, keystoneBodyMessages));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GatewayError("validation", `${issue?.path.join(".") || "body"}: ${issue?.message}`);
    }
    const created = await createCredential(deps.catalog, deps.secretBox, actorOf(c.var.principal, "admin"), parsed.data);
    return c.json(created, 201);
  });
  router.openapi(api.revokeCredential, async (c) => {
    const { id } = c.req.valid("param");
    try {
      await revoke(deps.catalog, actorOf(c.var.principal, "admin"), id);
    } catch (e) {
      if (e instanceof GatewayError && e.code === "not_found")
        throw new GatewayError("not_found", `Could not find credential: ${id}.`);
      throw e;
    }
    return c.body(null, 204);
  });
  router.openapi(api.audit, async (c) => {
    const limitText = c.req.query("limit") ?? "100";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new GatewayError("validation", "limit: an integer from 1 to 1000");
    }
    const [param, subject] =
      c.req.query("region") !== undefined ? ["region", c.req.query("region")] : ["subject", c.req.query("subject")];
    // a value PostgreSQL text cannot hold names no entry, and would be a driver error in SQL
    if (subject !== undefined && !isStorableText(subject)) {
      throw new GatewayError("validation", `${param}: ${unstorableMessage}`);
    }
    const rows = await deps.catalog.audit({ subject, limit });
    return c.json(
      {
        entries: rows.map((r) => ({
          id: r.id,
          at: new Date(r.at).toISOString(),
          actor: { id: r.actorId, name: r.actorName },
          dialect: r.dialect,
          action: r.action,
          subject: r.subject,
          before: r.before,
          after: r.after,
        })),
      },
      200,
    );
  });
  refuseOtherMethods(router);
  return router;
}
