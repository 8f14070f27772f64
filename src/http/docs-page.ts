import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { GatewayError } from "../domain/errors.ts";
import { keystoneError } from "./error-schemas.ts";
import { createRouter, jsonContent, refuseOtherMethods } from "./openapi.ts";

/**
 * `GET /docs`: Swagger UI over `/openapi.json`, its assets served from the `swagger-ui-dist`
 * package by the gateway itself (never from a CDN: the page works with no internet).
 */

const gateway = { tags: ["Gateway"], security: [] };
const text = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: { type: "string" as const } } },
});

export const docsPage = createRoute({
  ...gateway,
  method: "get",
  path: "/docs",
  operationId: "docsPage",
  summary: "This documentation, as a page",
  responses: { 200: text("text/html", "Swagger UI, offline") },
});

export const docsAsset = createRoute({
  ...gateway,
  method: "get",
  path: "/docs/{asset}",
  operationId: "docsAsset",
  summary: "The docs page's scripts and styles",
  request: {
    params: z.object({
      asset: z.string().openapi({ param: { name: "asset", in: "path" }, example: "swagger-ui-bundle.js" }),
    }),
  },
  responses: {
    200: text("application/javascript", "A script or a stylesheet of swagger-ui-dist"),
    404: jsonContent(keystoneError, "No such asset"),
  },
});

const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

// validatorUrl: null — Swagger UI would otherwise send the document to validator.swagger.io.
// The assets are named with swagger-ui-dist's version: a browser keeps them until it changes.
const pageOf = (uiVersion: string) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>region-gateway API: Keystone and Rainbond</title>
<link rel="stylesheet" href="/docs/swagger-ui.css?v=${uiVersion}">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png?v=${uiVersion}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js?v=${uiVersion}"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayOperationId: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
</script>
</body>
</html>
`;

export function createDocsRoutes() {
  const manifest = createRequire(import.meta.url).resolve("swagger-ui-dist/package.json");
  const dir = path.dirname(manifest);
  const uiVersion = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  const page = pageOf(uiVersion);
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  const router = createRouter();
  router.openapi(docsPage, (c) => c.html(page));
  router.openapi(docsAsset, (c) => {
    const { asset } = c.req.valid("param");
    const type = Object.hasOwn(assets, asset) ? assets[asset] : undefined;
    if (!type) throw new GatewayError("not_found", "No such file among the docs page's assets.");
    let body = cache.get(asset);
    if (!body) {
      body = new Uint8Array(readFileSync(path.join(dir, asset)));
      cache.set(asset, body);
    }
    // named with this version: the same bytes for as long as the name lasts (any other name: not kept)
    const keep = c.req.query("v") === uiVersion;
    return c.body(body, 200, {
      "Content-Type": type,
      ...(keep ? { "Cache-Control": "public, max-age=31536000, immutable" } : {}),
    });
  });
  refuseOtherMethods(router);
  return router;
}
