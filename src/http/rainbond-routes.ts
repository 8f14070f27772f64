import type { Context } from "hono";
import {
  fromRainbondAdd,
  fromRainbondUpdate,
  parseRainbondAdd,
  parseRainbondUpdate,
  toRainbondV1Detail,
  toRainbondV1Item,
  toRainbondV2Item,
} from "../adapters/rainbond.ts";
import { catalogAs } from "../catalog/caller-view.ts";
import type { Catalog, WriteOptions } from "../catalog/service.ts";
import type { Authenticator } from "../identity/authenticator.ts";
import { type AuthVariables, rainbondAuth } from "./auth.ts";
import { readJson } from "./body.ts";
import { answerResponse, etagOf, regionAnswer } from "./cached-json.ts";
import { writePrecondition } from "./conditional.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";
import * as api from "./rainbond-api.ts";
import { rainbondJsonRefusal, rainbondMessages } from "./rainbond-errors.ts";
import { registerGrctl } from "./rainbond-grctl.ts";
import { rainbondV1Door, rainbondV1List, rainbondV2Door, rainbondV2Page, secrets } from "./read-answers.ts";

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
  // v1 `GET /regions/{id}` takes a region_name or a region_id: name first, then id, both among the
  // regions the caller may see (the console resolves within the caller's enterprise). The v2 paths
  // take a region_id only, as the console's v2 views (a name is a 404 there).
  const v1View = (c: Context<{ Variables: AuthVariables }>) => catalogAs(catalog, c.var.principal, rainbondV1Door);
  const v2View = (c: Context<{ Variables: AuthVariables }>) => catalogAs(catalog, c.var.principal, rainbondV2Door);

  const v1 = createRouter<{ Variables: AuthVariables }>();
  v1.use("*", rainbondAuth(deps.auth, "rainbond-v1"));
  v1.openapi(api.listV1, (c) => answerResponse(c, rainbondV1List(catalog, c.var.principal)));
  v1.openapi(api.addV1, async (c) => {
    const view = v1View(c);
    const writer = view.writer("identity:create_region");
    const add = parseRainbondAdd(await readJson(c, bodyMessages));
    // a caller bound to an enterprise adds to it, and to no other (the door sees to it)
    const created = await writer.create(fromRainbondAdd(add, deps.newUid()), writeOptions(c));
    return c.json(toRainbondV1Item(created, secrets(view)), 201);
  });
  v1.openapi(api.showV1, (c) => {
    const view = v1View(c);
    const r = view.get(c.req.valid("param").id, "name-or-uid");
    return answerResponse(c, regionAnswer(r, toRainbondV1Detail(r, secrets(view))));
  });
  registerGrctl(v1, { door: v1View, bodyMessages, writeOptions });
  refuseOtherMethods(v1);

  const v2 = createRouter<{ Variables: AuthVariables }>();
  v2.use("*", rainbondAuth(deps.auth, "rainbond-v2"));
  v2.openapi(api.listV2, (c) => {
    // a repeated parameter counts by its last value, as Django's QueryDict.get
    const last = (name: string) => c.req.queries(name)?.at(-1);
    const q = { query: last("query"), current: last("current"), pageSize: last("pageSize") };
    return answerResponse(c, rainbondV2Page(catalog, c.var.principal, q));
  });
  v2.openapi(api.addV2, async (c) => {
    const view = v2View(c);
    const writer = view.writer("identity:create_region");
    const add = parseRainbondAdd(await readJson(c, bodyMessages));
    const created = await writer.create(fromRainbondAdd(add, deps.newUid()), writeOptions(c));
    return c.json(toRainbondV2Item(created, secrets(view)), 201, { ETag: etagOf(created) });
  });
  v2.openapi(api.showV2, (c) => {
    const view = v2View(c);
    const r = view.get(c.req.valid("param").id, "uid");
    return answerResponse(c, regionAnswer(r, toRainbondV2Item(r, secrets(view))));
  });
  v2.openapi(api.updateV2, async (c) => {
    const view = v2View(c);
    const writer = view.writer("identity:update_region");
    const changes = fromRainbondUpdate(parseRainbondUpdate(await readJson(c, bodyMessages)));
    const updated = await writer.update(c.req.valid("param").id, changes, writeOptions(c), "uid");
    return c.json(toRainbondV2Item(updated, secrets(view)), 200, { ETag: etagOf(updated) });
  });
  v2.openapi(api.deleteV2, async (c) => {
    const view = v2View(c);
    const writer = view.writer("identity:delete_region");
    const removed = await writer.remove(c.req.valid("param").id, writeOptions(c), "uid");
    // The console answers with the deleted region.
    return c.json(toRainbondV2Item(removed, secrets(view)), 200);
  });
  refuseOtherMethods(v2);

  const router = createRouter();
  router.route(api.rainbondMounts.v1, v1);
  router.route(api.rainbondMounts.v2, v2);
  return router;
}
