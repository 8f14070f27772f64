import type { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { type CallerViewOptions, catalogAs } from "../catalog/caller-view.ts";
import type { Catalog } from "../catalog/service.ts";
import { GatewayError } from "../domain/errors.ts";
import { actorOf } from "../domain/principal.ts";
import { importDocument } from "../migration/apply.ts";
import { DocumentError, formats, fromCatalogRegion, isFormat } from "../migration/document.ts";
import { parseDocument, parseJsonBytes } from "../migration/parse.ts";
import { type ImportMode, importModes } from "../migration/plan.ts";
import { renderDocument } from "../migration/render.ts";
import { exportRegions, importRegions } from "./admin-api.ts";
import type { migrationDocument } from "./admin-schemas.ts";
import { type AuthVariables, adminAuth } from "./auth.ts";
import { createRouter, refuseOtherMethods } from "./openapi.ts";

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

/** The admin API's door: admins only (adminAuth has already refused anyone else). */
const adminDoor: CallerViewOptions = { dialect: "admin", forbidden: () => "This operation needs an admin credential." };

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

/**
 * The request's body, read into one buffer of the declared length (a document is tens of MiB: the
 * stream's chunks then die young, and no second copy is made to join them).
 */
async function bodyBytes(request: Request): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const declared = Number(request.headers.get("content-length"));
  if (!Number.isSafeInteger(declared) || declared <= 0) return Buffer.from(await request.arrayBuffer());
  let bytes = Buffer.allocUnsafe(declared);
  let filled = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > bytes.length) {
      // more than declared (the HTTP parser does not allow it): grow rather than lose bytes
      const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, filled + value.length));
      bytes.copy(grown, 0, 0, filled);
      bytes = grown;
    }
    bytes.set(value, filled);
    filled += value.length;
  }
  return filled === bytes.length ? bytes : bytes.subarray(0, filled);
}

/** The document, parsed from its bytes (parseJsonBytes: never one string of the whole document). */
function parseBody(format: (typeof formats)[number], bytes: Buffer): ReturnType<typeof parseDocument> {
  try {
    return parseDocument(format, parseJsonBytes(bytes));
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
  const router = createRouter<{ Variables: AuthVariables }>();
  const limit = deps.maxImportBytes ?? maxImportBytes;
  router.use(importPath, adminAuth(deps.auth));
  router.use(exportPath, adminAuth(deps.auth));
  router.use(
    importPath,
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new GatewayError("payload_too_large", "import body too large", {
          limit: { name: "the import limit", bytes: limit },
        });
      },
    }),
  );

  router.openapi(importRegions, async (c) => {
    // the door's admin-only write rule, as every region write (adminAuth has already applied it)
    catalogAs(deps.catalog, c.var.principal, adminDoor).writer("identity:create_region");
    const format = formatParam(c.req.query("format"));
    const mode = (c.req.query("mode") ?? "upsert") as ImportMode;
    if (!importModes.includes(mode)) {
      throw new GatewayError("validation", `mode must be one of ${importModes.join(", ")}`, {
        fields: { mode: ["is invalid"] },
      });
    }
    const dryRun = booleanParam("dry_run", c.req.query("dry_run"));
    // any Content-Type: `format` says what the body is (curl --data-binary sends a form type).
    // Read as bytes from the raw request, not c.req.text(), which would keep the text (twice the
    // document's size in memory) until the answer: nothing holds the bytes once they are parsed.
    // The work is large (largeWork: the heap is sized for it).
    const report = await deps.catalog.store.largeWork(async () =>
      importDocument(deps.catalog, parseBody(format, await bodyBytes(c.req.raw)), {
        actor: actorOf(c.var.principal, "admin"),
        mode,
        dryRun,
        newUid: deps.newUid,
      }),
    );
    return report.rejected.length > 0 ? c.json(report, 422) : c.json(report, 200);
  });

  router.openapi(exportRegions, (c) => {
    const format = formatParam(c.req.query("format"));
    const asked = booleanParam("include_secrets", c.req.query("include_secrets"));
    const view = catalogAs(deps.catalog, c.var.principal, adminDoor);
    const includeSecrets = asked && view.readsSecrets;
    const regions = view.list().map(fromCatalogRegion);
    const document = renderDocument(format, regions, { includeSecrets, baseUrl: deps.baseUrl(c.req.url) });
    return c.json(document as z.infer<typeof migrationDocument>, 200);
  });
  refuseOtherMethods(router);
  return router;
}
