import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseGrctlReplaceIp } from "../adapters/rainbond-grctl.ts";
import type { Catalog, WriteOptions } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import { actorOf, type Principal } from "../domain/principal.ts";
import type { Region } from "../domain/region.ts";
import type { AuthVariables } from "./auth.ts";
import { type BodyMessages, readJson } from "./body.ts";
import { grctlReplaceIp } from "./rainbond-api.ts";

export interface GrctlDeps {
  catalog: Catalog;
  bodyMessages: BodyMessages;
  /** the region `name` as this v1 caller may see it */
  find: (p: Principal, name: string) => Region | undefined;
  requireWriter: (p: Principal) => void;
  writeOptions: (c: Context) => WriteOptions;
}

// general_message(...) bodies of the console's ReplaceRegionIP view
const replaced = { code: 200, msg: "success", msg_show: "更新成功", data: { bean: {}, list: [] } };

/**
 * `POST /openapi/v1/grctl/ip` (`grctl replace ip`). The console lets any valid access key call
 * it; here it needs write rights like every other write: it re-points the console at another
 * API address with other certificates, which a read-only credential must not be able to do.
 */
export function registerGrctl(v1: OpenAPIHono<{ Variables: AuthVariables }>, deps: GrctlDeps): void {
  v1.openapi(grctlReplaceIp, async (c) => {
    const p = c.var.principal;
    deps.requireWriter(p);
    const { regionName, changes } = parseGrctlReplaceIp(await readJson(c, deps.bodyMessages));
    const r = deps.find(p, regionName);
    // a missing region is rendered as grctl's general_message (rainbond-errors.ts)
    if (!r) throw new GatewayError("not_found", `no region ${regionName}`, { subject: regionName });
    await deps.catalog.update(r.name, changes, actorOf(p, "rainbond"), r.uid, deps.writeOptions(c));
    return c.json(replaced, 200);
  });
}
