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
export const requestBodies = {
  RainbondRegionAdd: rainbondAddSchema,
  RainbondRegionUpdate: rainbondUpdateSchema,
  GrctlReplaceIp: grctlReplaceIpSchema,
  KeystoneRegionBody: keystoneRegionBody,
  KeystoneAuthBody: keystoneAuthBody,
  CreateCredential: createCredentialSchema,
  MigrationDocument: migrationDocument,
};

export function jsonBody(schema: keyof typeof requestBodies, description: string) {
  return {
    required: true,
    description,
    content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
  };
}
