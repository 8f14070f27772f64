import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseGrctlReplaceIp } from "../adapters/rainbond-grctl.ts";
import type { CallerView } from "../catalog/caller-view.ts";
import type { WriteOptions } from "../catalog/service.ts";
import type { AuthVariables } from "./auth.ts";
import { type BodyMessages, readJson } from "./body.ts";
import { grctlReplaceIp } from "./rainbond-api.ts";

export interface GrctlDeps {
  /** the catalogue as this v1 caller sees it */
  door: (c: Context<{ Variables: AuthVariables }>) => CallerView;
  bodyMessages: BodyMessages;
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
    const writer = deps.door(c).writer("identity:update_region");
    const { regionName, changes } = parseGrctlReplaceIp(await readJson(c, deps.bodyMessages));
    // a missing region is rendered as grctl's general_message (rainbond-errors.ts)
    await writer.update(regionName, changes, deps.writeOptions(c), "name-or-uid");
    return c.json(replaced, 200);
  });
}
