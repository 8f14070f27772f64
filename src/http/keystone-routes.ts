import type { Context } from "hono";
import {
  checkMatchingId,
  fromKeystoneCreate,
  fromKeystoneUpdate,
  isEmptyUpdate,
  parseKeystoneBody,
  toKeystoneRegion,
} from "../adapters/keystone.ts";
import { catalogAs } from "../catalog/caller-view.ts";
import type { Catalog } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { type AuthVariables, keystoneAuth } from "./auth.ts";
import { readJson } from "./body.ts";
import { answerResponse, etagOf } from "./cached-json.ts";
import { writePrecondition } from "./conditional.ts";
import * as api from "./keystone-api.ts";
import { keystoneBodyMessages } from "./keystone-errors.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";
import { keystoneDoor, keystoneList, keystoneShow } from "./read-answers.ts";

export interface KeystoneDeps {
  catalog: Catalog;
  auth: Authenticator;
  newUid: () => string;
  /** the gateway's base URL as clients reach it (PUBLIC_URL, else the request's origin) */
  baseUrl: (requestUrl: string) => string;
}

/** Keystone's door to the catalogue: no enterprise scope; a non-admin write is Keystone's policy 403. */
const seenBy = (catalog: Catalog, p: Principal) => catalogAs(catalog, p, keystoneDoor);

/** If-Match / If-None-Match on a write: 412 in Keystone's shape, nothing written. */
const precondition = (c: Context) => ({
  precondition: writePrecondition(
    c,
    c.req.header("If-None-Match") === undefined
      ? "The region has changed: its ETag no longer matches If-Match."
      : "The region already exists (If-None-Match).",
  ),
});

/** Keystone's version document (keystone/api/discovery.py). */
export function versionDocument(base: string) {
  return {
    id: "v3.14",
    status: "stable",
    updated: "2020-04-07T00:00:00Z",
    links: [{ rel: "self", href: `${base}/v3/` }],
    "media-types": [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }],
  };
}

/** Keystone / Huawei IAM `/v3` and `/v3/regions…`. */
export function createKeystoneRoutes(deps: KeystoneDeps) {
  const { catalog } = deps;

  const router = createRouter();
  router.openapi(api.root, (c) => {
    const base = deps.baseUrl(c.req.url);
    return c.json({ versions: { values: [versionDocument(base)] } }, 300, { Location: `${base}/v3/` });
  });
  router.openapi(api.v3, (c) => c.json({ version: versionDocument(deps.baseUrl(c.req.url)) }, 200));
  // `/` answers other methods with 404, as before
  refuseOtherMethods(router, { except: ["/"] });

  const regions = createRouter<{ Variables: AuthVariables }>();
  regions.use("/v3/regions", keystoneAuth(deps.auth));
  regions.use("/v3/regions/*", keystoneAuth(deps.auth));

  regions.openapi(api.listRegions, (c) => {
    const url = new URL(c.req.url);
    const q = {
      parent_region_id: c.req.query("parent_region_id"),
      name: c.req.query("name"),
      search: url.search,
      params: url.searchParams,
    };
    return answerResponse(c, keystoneList(catalog, c.var.principal, deps.baseUrl(c.req.url), q));
  });
  regions.openapi(api.createRegion, async (c) => {
    const writer = seenBy(catalog, c.var.principal).writer("identity:create_region");
    const body = parseKeystoneBody(await readJson(c, keystoneBodyMessages));
    const uid = deps.newUid();
    const created = await writer.create(fromKeystoneCreate(body, uid, uid), precondition(c));
    return c.json({ region: toKeystoneRegion(created, deps.baseUrl(c.req.url)) }, 201, { ETag: etagOf(created) });
  });

  regions.openapi(api.showRegion, (c) =>
    answerResponse(c, keystoneShow(catalog, c.var.principal, deps.baseUrl(c.req.url), c.req.valid("param").id)),
  );
  regions.openapi(api.putRegion, async (c) => {
    const writer = seenBy(catalog, c.var.principal).writer("identity:create_region");
    const { id } = c.req.valid("param");
    const body = parseKeystoneBody(await readJson(c, keystoneBodyMessages));
    if (body.id !== undefined && body.id !== id) {
      throw new GatewayError("bad_request", `Conflicting region IDs specified: "${id}" != "${body.id}"`);
    }
    const created = await writer.create(fromKeystoneCreate({ ...body, id }, id, deps.newUid()), precondition(c));
    return c.json({ region: toKeystoneRegion(created, deps.baseUrl(c.req.url)) }, 201, { ETag: etagOf(created) });
  });
  regions.openapi(api.patchRegion, async (c) => {
    const writer = seenBy(catalog, c.var.principal).writer("identity:update_region");
    const { id } = c.req.valid("param");
    const raw = await readJson(c, keystoneBodyMessages);
    if (isEmptyUpdate(raw)) {
      throw new GatewayError("validation", "Invalid input for field 'region': {} does not have enough properties");
    }
    const body = parseKeystoneBody(raw);
    checkMatchingId(body, id); // before the lookup, as Keystone does: an id change is 400 even for an unknown region
    // the merge of extras starts from the row the transaction reads, not from the snapshot
    const updated = await writer.update(id, (current) => fromKeystoneUpdate(body, id, current), precondition(c));
    return c.json({ region: toKeystoneRegion(updated, deps.baseUrl(c.req.url)) }, 200, { ETag: etagOf(updated) });
  });
  regions.openapi(api.deleteRegion, async (c) => {
    const writer = seenBy(catalog, c.var.principal).writer("identity:delete_region");
    await writer.remove(c.req.valid("param").id, precondition(c));
    return c.body(null, 204);
  });
  refuseOtherMethods(regions);

  router.route("/", regions);
  return router;
}
