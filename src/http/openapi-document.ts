import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createRouter, jsonContent, refuseOtherMethods, securitySchemes, tags } from "./openapi.ts";
import { requestBodies } from "./request-bodies.ts";

export const openApiJson = createRoute({
  tags: ["Gateway"],
  security: [],
  method: "get",
  path: "/openapi.json",
  operationId: "openApiDocument",
  summary: "This document (OpenAPI 3.1)",
  responses: {
    200: jsonContent(
      z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) }).passthrough(),
      "The OpenAPI 3.1 document, generated from the route definitions",
    ),
  },
});

const description = `One region catalogue served in two dialects, side by side:

* **Keystone / Huawei IAM** — \`/v3/regions\` and \`/v3/auth/…\`, errors as \`{"error":{"code","title","message"}}\`, authenticated by \`X-Auth-Token\` or a Huawei SDK-HMAC-SHA256 signature.
* **Rainbond console OpenAPI** — \`/openapi/v1/regions\` and \`/openapi/v2/manage/regions\`, errors as the console's own bodies (\`{"detail","code","msg","msg_show"}\`, or \`{"detail":"参数错误","err":{…},"code":20400}\` for a field), authenticated by a raw \`Authorization: <token>\`.

The same region, as each dialect shows it:

| canonical | Keystone (\`/v3/regions/{id}\`) | Rainbond (\`/openapi/v2/manage/regions/{id}\`) |
| --- | --- | --- |
| name | \`id\` | \`region_name\` |
| uid | — | \`region_id\` |
| alias | \`locales["zh-cn"]\` | \`region_alias\` |
| description | \`description\` | \`desc\` |
| scope | \`type\` | \`scope\` |
| parent | \`parent_region_id\` | — |
| endpoints, certificates, token | — | \`url\`, \`wsurl\`, \`httpdomain\`, \`tcpdomain\`, \`ssl_ca_cert\`, \`cert_file\`, \`key_file\`, \`token\` |

A write through either dialect is seen at once through the other. Every region answer carries an \`ETag\`;
\`If-Match\` / \`If-None-Match\` make writes conditional and reads cheap (304).`;

/**
 * `GET /openapi.json`: the document of every route of `app`, generated once (on first request,
 * when every router is mounted) from the route definitions and their zod schemas.
 */
export function createOpenApiRoutes(app: OpenAPIHono<any, any, any>, options: { version: string }) {
  const registry = app.openAPIRegistry;
  // a clone: a zod schema built before @hono/zod-openapi was loaded (the adapters' ones may be) lacks `.openapi`
  for (const [name, { schema, example }] of Object.entries(requestBodies)) {
    registry.register(name, example === undefined ? schema.clone() : schema.clone().openapi({ example }));
  }
  for (const [name, scheme] of Object.entries(securitySchemes)) registry.registerComponent("securitySchemes", name, scheme);

  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const router = createRouter();
  router.openapi(openApiJson, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "region-gateway", version: options.version, description },
      tags: tags.map((t) => ({ ...t })),
    });
    return c.json(document as z.infer<(typeof openApiJson)["responses"][200]["content"]["application/json"]["schema"]>, 200);
  });
  refuseOtherMethods(router);
  return router;
}
