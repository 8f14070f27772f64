import { rainbondAddSchema, rainbondUpdateSchema } from "../adapters/rainbond.ts";
import { grctlReplaceIpSchema } from "../adapters/rainbond-grctl.ts";
import { createCredentialSchema } from "../identity/credential-service.ts";
import { migrationDocument } from "./admin-schemas.ts";
import { keystoneAuthBody, keystoneRegionBody } from "./keystone-schemas.ts";

/**
 * The request bodies of the document, by component name. Each is the schema its handler validates
 * with (the adapters' DRF-style fields, the credential and token schemas) or, where the handler
 * parses by hand (Keystone regions, import documents), the shape it accepts. They are described,
 * not validated by the router: every dialect keeps its own messages and error bodies.
 */
const region = {
  region_name: "cn-east-1",
  region_alias: "华东一区",
  url: "https://region.goodrain.me:8443",
  wsurl: "wss://region.goodrain.me:6060",
  httpdomain: "apps.goodrain.me",
  tcpdomain: "47.92.1.2",
  scope: "private",
  desc: "Shanghai",
};

export const requestBodies = {
  RainbondRegionAdd: { schema: rainbondAddSchema, example: region },
  RainbondRegionUpdate: {
    schema: rainbondUpdateSchema,
    example: { ...Object.fromEntries(Object.entries(region).filter(([k]) => k !== "region_name")), status: "1" },
  },
  GrctlReplaceIp: {
    schema: grctlReplaceIpSchema,
    example: { region_name: "cn-east-1", url: "https://10.0.0.9:8443", ws_url: "wss://10.0.0.9:6060", tcp_domain: "10.0.0.9" },
  },
  KeystoneRegionBody: { schema: keystoneRegionBody, example: undefined },
  KeystoneAuthBody: { schema: keystoneAuthBody, example: undefined },
  CreateCredential: {
    schema: createCredentialSchema,
    example: { type: "token", role: "reader", name: "console", private_regions: ["cn-east-1"] },
  },
  MigrationDocument: { schema: migrationDocument, example: [region] },
};

export function jsonBody(schema: keyof typeof requestBodies, description: string) {
  return {
    required: true,
    description,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
  };
}
