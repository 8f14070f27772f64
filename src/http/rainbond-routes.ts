import type { Context } from "hono";
import {
  fromRainbondAdd,
  fromRainbondUpdate,
  parseRainbondAdd,
  parseRainbondUpdate,
  toRainbondV1Detail,
  toRainbondV1Item,
  toRainbondV1ListItem,
  toRainbondV2Item,
  toRainbondV2Page,
} from "../adapters/rainbond.ts";
import type { Catalog, WriteOptions } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import { actorOf, canReadSecrets, canSee, isAdmin, type Principal, visibilityKey } from "../domain/principal.ts";
import type { Region } from "../domain/region.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { type AuthVariables, rainbondAuth } from "./auth.ts";
import { readJson } from "./body.ts";
import { cachedJson, etagOf } from "./cached-json.ts";
import { regionAnswer, writePrecondition } from "./conditional.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";
import * as api from "./rainbond-api.ts";
import { rainbondJsonRefusal, rainbondMessages } from "./rainbond-errors.ts";
import { registerGrctl } from "./rainbond-grctl.ts";

export interface RainbondDeps {
  catalog: Catalog;
  auth: Authenticator;
  newUid: () => string;
}

const bodyMessages = {
  badJson: (detail: string) => `JSON parse error - ${detail}`,
  badContentType: (type: string) => `不支持请求中的媒体类型 “${type}”。`,
  refused: rainbondJsonRefusal,
};

/** A region the caller asked for and may not see or that does not exist (rainbond-errors.ts words it per view). */
const missing = (key: string) => new GatewayError("not_found", `no region ${key}`, { subject: key });

const view = (p: Principal) => ({ includeSecrets: canReadSecrets(p) });

function requireWriter(p: Principal): void {
  if (!isAdmin(p)) throw new GatewayError("forbidden", rainbondMessages.forbidden);
}

/**
 * Every Rainbond write: If-Match / If-None-Match, and the certificate checks (`?force=true`
 * stores refused certificates anyway, audited; only writers, i.e. admins, get this far).
 */
function writeOptions(c: Context): WriteOptions {
  return {
    precondition: writePrecondition(
      c,
      c.req.header("If-None-Match") === undefined ? rainbondMessages.preconditionFailed : rainbondMessages.regionExists,
    ),
    certificates: { now: new Date(), force: c.req.query("force") === "true" },
  };
}

/** The Rainbond console OpenAPI: `/openapi/v1/regions…` and `/openapi/v2/manage/regions…`. */
export function createRainbondRoutes(deps: RainbondDeps) {
  const { catalog } = deps;
  // A v1 caller bound to an enterprise sees only that enterprise's regions, as the console's v1.
  const inEnterprise = (p: Principal, r: Region) => p.enterpriseId === null || r.enterpriseId === p.enterpriseId;
  const visibleV1 = (p: Principal, r: Region) => canSee(p, r) && inEnterprise(p, r);
  const visibleV2 = (p: Principal, r: Region) => canSee(p, r);
  // v1 `GET /regions/{id}` takes a region_name or a region_id: name first, then id, both among the
  // regions the caller may see (the console resolves within the caller's enterprise). The v2 paths
  // take a region_id only, as the console's v2 views (a name is a 404 there).
  const findV1 = (p: Principal, key: string): Region | undefined =>
    [catalog.get(key), catalog.getByUid(key)].find((r): r is Region => r !== undefined && visibleV1(p, r));
  const findV2 = (p: Principal, uid: string): Region | undefined => {
    const r = catalog.getByUid(uid);
    return r && visibleV2(p, r) ? r : undefined;
  };

  const v1 = createRouter<{ Variables: AuthVariables }>();
  v1.use("*", rainbondAuth(deps.auth, "rainbond-v1"));
  v1.openapi(api.listV1, (c) => {
    const p = c.var.principal;
    return cachedJson(c, catalog, `v1:list|${visibilityKey(p)}`, () =>
      catalog
        .list()
        .filter((r) => visibleV1(p, r))
        .map((r) => toRainbondV1ListItem(r, view(p))),
    );
  });
  v1.openapi(api.addV1, async (c) => {
    const p = c.var.principal;
    requireWriter(p);
    let add = parseRainbondAdd(await readJson(c, bodyMessages));
    if (p.enterpriseId !== null) {
      // A caller bound to an enterprise adds regions to it (else it could not see them on v1),
      // and to no other enterprise.
      if (add.enterprise_id && add.enterprise_id !== p.enterpriseId) {
        throw new GatewayError("forbidden", rainbondMessages.forbidden);
      }
      add = { ...add, enterprise_id: p.enterpriseId };
    }
    const created = await catalog.create(fromRainbondAdd(add, deps.newUid()), actorOf(p, "rainbond"), writeOptions(c));
    return c.json(toRainbondV1Item(created, view(p)), 201);
  });
  v1.openapi(api.showV1, (c) => {
    const r = findV1(c.var.principal, c.req.valid("param").id);
    if (!r) throw missing(c.req.valid("param").id);
    return regionAnswer(c, r, toRainbondV1Detail(r, view(c.var.principal)));
  });
  registerGrctl(v1, { catalog, bodyMessages, find: findV1, requireWriter, writeOptions });
  refuseOtherMethods(v1);

  const v2 = createRouter<{ Variables: AuthVariables }>();
  v2.use("*", rainbondAuth(deps.auth, "rainbond-v2"));
  v2.openapi(api.listV2, (c) => {
    const p = c.var.principal;
    // a repeated parameter counts by its last value, as Django's QueryDict.get
    const last = (name: string) => c.req.queries(name)?.at(-1);
    const q = { query: last("query"), current: last("current"), pageSize: last("pageSize") };
    return cachedJson(c, catalog, `v2:list|${visibilityKey(p)}|${JSON.stringify(q)}`, () =>
      toRainbondV2Page(
        catalog.list().filter((r) => visibleV2(p, r)),
        q,
        view(p),
      ),
    );
  });
  v2.openapi(api.addV2, async (c) => {
    requireWriter(c.var.principal);
    const add = parseRainbondAdd(await readJson(c, bodyMessages));
    const created = await catalog.create(
      fromRainbondAdd(add, deps.newUid()),
      actorOf(c.var.principal, "rainbond"),
      writeOptions(c),
    );
    return c.json(toRainbondV2Item(created, view(c.var.principal)), 201, { ETag: etagOf(created) });
  });
  v2.openapi(api.showV2, (c) => {
    const r = findV2(c.var.principal, c.req.valid("param").id);
    if (!r) throw missing(c.req.valid("param").id);
    return regionAnswer(c, r, toRainbondV2Item(r, view(c.var.principal)));
  });
  v2.openapi(api.updateV2, async (c) => {
    requireWriter(c.var.principal);
    const changes = fromRainbondUpdate(parseRainbondUpdate(await readJson(c, bodyMessages)));
    const r = findV2(c.var.principal, c.req.valid("param").id);
    if (!r) throw missing(c.req.valid("param").id);
    const updated = await catalog.update(r.name, changes, actorOf(c.var.principal, "rainbond"), r.uid, writeOptions(c));
    return c.json(toRainbondV2Item(updated, view(c.var.principal)), 200, { ETag: etagOf(updated) });
  });
  v2.openapi(api.deleteV2, async (c) => {
    requireWriter(c.var.principal);
    const r = findV2(c.var.principal, c.req.valid("param").id);
    if (!r) throw missing(c.req.valid("param").id);
    await catalog.remove(r.name, actorOf(c.var.principal, "rainbond"), r.uid, writeOptions(c));
    // The console answers with the deleted region.
    return c.json(toRainbondV2Item(r, view(c.var.principal)), 200);
  });
  refuseOtherMethods(v2);

  const router = createRouter();
  router.route(api.rainbondMounts.v1, v1);
  router.route(api.rainbondMounts.v2, v2);
  return router;
}
