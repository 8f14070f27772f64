import { createHash } from "node:crypto";
import { catalogAs } from "../catalog/caller-view.ts";
import type { Catalog } from "../catalog/service.ts";
import type { Principal } from "../domain/principal.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { type AuthVariables, keystoneAuth } from "./auth.ts";
import { authCatalog, authDomains, authProjects } from "./keystone-api.ts";
import { keystoneMessages } from "./keystone-errors.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";

/** The region Keystone bootstraps and most tools default to: always listed, even on an empty catalogue. */
export const defaultRegion = "RegionOne";
/** Past this many visible regions, the identity endpoint is listed in the first ones only (by id). */
export const catalogRegionLimit = 100;

export const stableId = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);
export const defaultDomain = { id: "default", name: "Default" };
const interfaces = ["public", "internal", "admin"] as const;

/**
 * The service catalogue of a token: the gateway itself as the identity service, listed in
 * RegionOne first (what a client naming no region picks) and then in every region the caller can
 * see, so `--os-region-name <region>` finds it wherever it looks.
 */
export function serviceCatalog(catalog: Catalog, principal: Principal, base: string) {
  const visible = catalogAs(catalog, principal, { dialect: "keystone", forbidden: keystoneMessages.forbidden })
    .list()
    .filter((r) => r.name !== defaultRegion)
    .map((r) => r.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, catalogRegionLimit);
  const url = `${base}/v3/`;
  const endpoints = [defaultRegion, ...visible].flatMap((region) =>
    interfaces.map((iface) => ({
      // RegionOne keeps the ids it always had
      id: stableId(region === defaultRegion ? `endpoint:${iface}` : `endpoint:${region}:${iface}`),
      interface: iface,
      region_id: region,
      url,
      region,
    })),
  );
  return [{ endpoints, id: stableId("service:identity"), type: "identity", name: "keystone" }];
}

const listLinks = (base: string, path: string) => ({ self: `${base}${path}`, previous: null, next: null });

/** `GET /v3/auth/catalog|projects|domains`: what the caller's token may use, as Keystone lists it. */
export function createKeystoneAuthInfoRoutes(deps: {
  catalog: Catalog;
  auth: Authenticator;
  baseUrl: (requestUrl: string) => string;
}) {
  const router = createRouter<{ Variables: AuthVariables }>();
  router.use("/v3/auth/catalog", keystoneAuth(deps.auth));
  router.use("/v3/auth/projects", keystoneAuth(deps.auth));
  router.use("/v3/auth/domains", keystoneAuth(deps.auth));

  router.openapi(authCatalog, (c) => {
    const base = deps.baseUrl(c.req.url);
    return c.json(
      {
        catalog: serviceCatalog(deps.catalog, c.get("principal"), base),
        links: listLinks(base, "/v3/auth/catalog"),
      },
      200,
    );
  });
  router.openapi(authProjects, (c) => {
    const base = deps.baseUrl(c.req.url);
    // no role assignments here: any project name may scope a token, so the list is the caller's own scope
    const token = c.req.header("X-Auth-Token")?.trim();
    const project = token ? deps.auth.readIssued(token)?.payload.project : undefined;
    const projects = project
      ? [
          {
            id: project.id,
            name: project.name,
            domain_id: defaultDomain.id,
            description: "",
            enabled: true,
            is_domain: false,
            parent_id: defaultDomain.id,
            tags: [] as string[],
            options: {},
            links: { self: `${base}/v3/projects/${project.id}` },
          },
        ]
      : [];
    return c.json({ projects, links: listLinks(base, "/v3/auth/projects") }, 200);
  });
  router.openapi(authDomains, (c) => {
    const base = deps.baseUrl(c.req.url);
    const domain = {
      id: defaultDomain.id,
      name: defaultDomain.name,
      description: "The default domain",
      enabled: true,
      tags: [] as string[],
      options: {},
      links: { self: `${base}/v3/domains/${defaultDomain.id}` },
    };
    return c.json({ domains: [domain], links: listLinks(base, "/v3/auth/domains") }, 200);
  });
  refuseOtherMethods(router);
  return router;
}
