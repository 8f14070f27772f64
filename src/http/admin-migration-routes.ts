import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Catalog } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import { actorOf, canReadSecrets } from "../domain/principal.ts";
import { importDocument } from "../migration/apply.ts";
import { DocumentError, formats, fromCatalogRegion, isFormat } from "../migration/document.ts";
import { parseDocument, parseJsonText } from "../migration/parse.ts";
import { type ImportMode, importModes } from "../migration/plan.ts";
import { renderDocument } from "../migration/render.ts";
import { type AuthVariables, adminAuth } from "./auth.ts";
import { keystoneBody } from "./keystone-errors.ts";
import { resource } from "./resource.ts";

export const importPath = "/admin/v1/import";
export const exportPath = "/admin/v1/export";
/** An import carries a whole catalogue: 10,000 regions with certificates are a few MiB. */
export const maxImportBytes = 64 * 1024 * 1024;

/** The global 1 MiB body limit skips the import route, which has its own (larger) one. */
export const isImportPath = (path: string): boolean => path.replace(/\/+$/, "") === importPath;

/** Whatever credential checker adminAuth takes (kept out of identity/'s module layout). */
type Authenticator = Parameters<typeof adminAuth>[0];

export interface AdminMigrationDeps {
  catalog: Catalog;
  auth: Authenticator;
  newUid: () => string;
  baseUrl: (requestUrl: string) => string;
  maxImportBytes?: number;
}

function formatParam(value: string | undefined): (typeof formats)[number] {
  if (!isFormat(value)) {
    throw new GatewayError("validation", `format must be one of ${formats.join(", ")}`, { fields: { format: ["is required"] } });
  }
  return value;
}

function booleanParam(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new GatewayError("validation", `${name} must be true or false`, { fields: { [name]: ["must be true or false"] } });
}

function parseBody(format: (typeof formats)[number], text: string): ReturnType<typeof parseDocument> {
  if (text.trim() === "") throw new GatewayError("bad_request", "the document is empty");
  try {
    return parseDocument(format, parseJsonText(text));
  } catch (e) {
    if (e instanceof DocumentError) throw new GatewayError("bad_request", e.message);
    throw e;
  }
}

/**
 * `POST /admin/v1/import?format=&mode=&dry_run=` and `GET /admin/v1/export?format=&include_secrets=`,
 * admins only, errors in the Keystone shape. An import with any rejected record writes nothing
 * and answers 422 with the report; a document that cannot be read at all is a 400.
 */
export function createAdminMigrationRoutes(deps: AdminMigrationDeps) {
  const router = new Hono<{ Variables: AuthVariables }>({ strict: false });
  const limit = deps.maxImportBytes ?? maxImportBytes;
  router.use(importPath, adminAuth(deps.auth));
  router.use(exportPath, adminAuth(deps.auth));
  router.use(
    importPath,
    bodyLimit({
      maxSize: limit,
      onError: (c) =>
        c.json(keystoneBody(413, `Request is too large. Larger than the import limit (${limit}).`), 413, { Connection: "close" }),
    }),
  );

  resource(router, importPath, {
    POST: async (c) => {
      const format = formatParam(c.req.query("format"));
      const mode = (c.req.query("mode") ?? "upsert") as ImportMode;
      if (!importModes.includes(mode)) {
        throw new GatewayError("validation", `mode must be one of ${importModes.join(", ")}`, {
          fields: { mode: ["is invalid"] },
        });
      }
      const dryRun = booleanParam("dry_run", c.req.query("dry_run"));
      // any Content-Type: `format` says what the body is (curl --data-binary sends a form type).
      // Read from the raw request, not c.req.text(), which would keep the text (twice the
      // document's size in memory) until the answer: nothing holds it once it is parsed.
      const parsed = parseBody(format, await c.req.raw.text());
      const report = await importDocument(deps.catalog, parsed, {
        actor: actorOf(c.var.principal, "admin"),
        mode,
        dryRun,
        newUid: deps.newUid,
      });
      return c.json(report, report.rejected.length > 0 ? 422 : 200);
    },
  });

  resource(router, exportPath, {
    GET: (c) => {
      const format = formatParam(c.req.query("format"));
      const asked = booleanParam("include_secrets", c.req.query("include_secrets"));
      const includeSecrets = asked && canReadSecrets(c.var.principal);
      const regions = deps.catalog.list().map(fromCatalogRegion);
      return c.json(renderDocument(format, regions, { includeSecrets, baseUrl: deps.baseUrl(c.req.url) }) as object);
    },
  });
  return router;
}
