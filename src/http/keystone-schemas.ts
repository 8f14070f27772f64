import { z } from "@hono/zod-openapi";

/** Keystone / Huawei IAM bodies (adapters/keystone.ts, keystone-token-body.ts), for the OpenAPI document. */

const regionExample = {
  id: "cn-east-1",
  description: "",
  parent_region_id: null,
  type: "private",
  locales: { "zh-cn": "华东一区", "en-us": "cn-east-1" },
  links: { self: "http://127.0.0.1:8080/v3/regions/cn-east-1" },
};

export const keystoneRegion = z
  .object({
    id: z.string().openapi({ description: "The region's name (Rainbond's region_name)" }),
    description: z.string(),
    parent_region_id: z.string().nullable(),
    type: z.enum(["public", "private"]).openapi({ description: "Huawei IAM's region type; Rainbond's scope" }),
    locales: z.record(z.string(), z.string()).openapi({ description: "Display names; zh-cn and en-us are always present" }),
    links: z.strictObject({ self: z.string() }),
  })
  .catchall(z.unknown())
  .openapi("KeystoneRegion", {
    description:
      "A region as Keystone shows it, with Huawei IAM's `type` and `locales`; any other key is an extra property stored as sent.",
    example: regionExample,
  });

const listLinks = z.strictObject({ self: z.string(), previous: z.null(), next: z.null() });

export const keystoneRegionList = z
  .strictObject({ regions: z.array(keystoneRegion), links: listLinks })
  .openapi("KeystoneRegionList", {
    example: { regions: [regionExample], links: { self: "http://127.0.0.1:8080/v3/regions", previous: null, next: null } },
  });

export const keystoneRegionEnvelope = z.strictObject({ region: keystoneRegion }).openapi("KeystoneRegionEnvelope");

/** What POST/PUT/PATCH accept (parseKeystoneBody). */
export const keystoneRegionBody = z
  .strictObject({
    region: z
      .object({
        id: z
          .string()
          .max(255)
          .optional()
          .openapi({ description: "POST only; generated when absent (PUT takes it from the path)" }),
        description: z.string().max(255).nullable().optional(),
        parent_region_id: z.string().nullable().optional().openapi({ description: 'An existing region; "" or null: none' }),
        type: z.enum(["public", "private"]).optional().openapi({ description: "Default public" }),
        locales: z
          .record(z.string(), z.string().max(255))
          .optional()
          .openapi({ description: "zh-cn becomes the display name (Rainbond's region_alias)" }),
      })
      .catchall(z.unknown()),
  })
  .openapi("KeystoneRegionBody", {
    example: { region: { id: "cn-east-1", description: "Shanghai", type: "private", locales: { "zh-cn": "华东一区" } } },
  });

const version = z.strictObject({
  id: z.string().openapi({ example: "v3.14" }),
  status: z.string().openapi({ example: "stable" }),
  updated: z.string(),
  links: z.array(z.strictObject({ rel: z.string(), href: z.string() })),
  "media-types": z.array(z.strictObject({ base: z.string(), type: z.string() })),
});
export const keystoneVersions = z
  .strictObject({ versions: z.strictObject({ values: z.array(version) }) })
  .openapi("KeystoneVersions");
export const keystoneVersion = z.strictObject({ version }).openapi("KeystoneVersion");

const named = z.object({ id: z.string().optional(), name: z.string().optional() });
/** `POST /v3/auth/tokens`: validated with this schema by the handler. */
export const keystoneAuthBody = z
  .object({
    auth: z.object({
      identity: z.object({
        methods: z
          .array(z.string())
          .min(1)
          .openapi({ example: ["password"] }),
        password: z
          .object({
            user: z.object({
              id: z.string().optional(),
              name: z.string().optional(),
              domain: named.optional(),
              password: z.string().max(1024),
            }),
          })
          .optional(),
        token: z.object({ id: z.string() }).optional(),
      }),
      scope: z.unknown().optional().openapi({ description: 'Any project name scopes a token: `{"project":{"name":…}}`' }),
    }),
  })
  .openapi("KeystoneAuthBody", {
    example: {
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "ops", domain: { id: "default" }, password: "s3cret-passw0rd" } },
        },
        scope: { project: { name: "admin", domain: { id: "default" } } },
      },
    },
  });

const domain = z.strictObject({ id: z.string(), name: z.string() });
const endpoint = z.strictObject({
  id: z.string(),
  interface: z.string(),
  region_id: z.string(),
  url: z.string(),
  region: z.string(),
});
export const serviceCatalog = z.array(
  z.strictObject({ endpoints: z.array(endpoint), id: z.string(), type: z.string(), name: z.string() }),
);

export const keystoneToken = z
  .strictObject({
    token: z.strictObject({
      methods: z.array(z.string()),
      user: z.strictObject({ domain, id: z.string(), name: z.string(), password_expires_at: z.null() }),
      audit_ids: z.array(z.string()),
      expires_at: z.string().nullable().openapi({ description: "null: a stored token without an expiry" }),
      issued_at: z.string(),
      project: z.strictObject({ domain, id: z.string(), name: z.string() }).optional(),
      is_domain: z.boolean(),
      roles: z.array(z.strictObject({ id: z.string(), name: z.string() })),
      catalog: serviceCatalog.optional().openapi({ description: "Absent with `?nocatalog`" }),
    }),
  })
  .openapi("KeystoneToken");

const links = z.strictObject({ self: z.string(), previous: z.null(), next: z.null() });
export const keystoneCatalog = z.strictObject({ catalog: serviceCatalog, links }).openapi("KeystoneCatalog");
export const keystoneProjects = z
  .strictObject({
    projects: z.array(
      z.strictObject({
        id: z.string(),
        name: z.string(),
        domain_id: z.string(),
        description: z.string(),
        enabled: z.boolean(),
        is_domain: z.boolean(),
        parent_id: z.string(),
        tags: z.array(z.string()),
        options: z.record(z.string(), z.unknown()),
        links: z.strictObject({ self: z.string() }),
      }),
    ),
    links,
  })
  .openapi("KeystoneProjects");
export const keystoneDomains = z
  .strictObject({
    domains: z.array(
      z.strictObject({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        enabled: z.boolean(),
        tags: z.array(z.string()),
        options: z.record(z.string(), z.unknown()),
        links: z.strictObject({ self: z.string() }),
      }),
    ),
    links,
  })
  .openapi("KeystoneDomains");
