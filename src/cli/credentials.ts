import type { Command } from "commander";
import { loadCliConfig } from "../config.ts";
import { callGateway, resolveTarget, targetOptions } from "./gateway-client.ts";

type TargetOptions = { url?: string; token?: string };

const out = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** `credentials create|list|revoke [--url GW] [--token T]`: the admin API from the command line. */
export function registerCredentials(program: Command): void {
  const credentials = program.command("credentials").description("manage credentials on a running gateway");
  const target = targetOptions;

  target(credentials.command("create"))
    .description("create a credential; its secret is printed once")
    .requiredOption("--type <type>", "token | password | access_key")
    .requiredOption("--role <role>", "admin | reader")
    .option("--name <name>", "a name for the credential")
    .option("--user-name <name>", "user name (type password)")
    .option("--password <password>", "password (type password); prefer the RG_PASSWORD environment variable")
    .option("--private-regions <names>", 'comma-separated private regions it may see, or "*"')
    .option("--enterprise-id <id>", "Rainbond enterprise the credential is bound to")
    .option("--expires-at <iso>", "expiry, ISO 8601")
    .action(async (o: Record<string, string | undefined>) => {
      const body: Record<string, unknown> = { type: o.type, role: o.role };
      if (o.name) body.name = o.name;
      if (o.userName) body.user_name = o.userName;
      const password = o.password ?? loadCliConfig().password;
      if (o.type === "password") body.password = password;
      if (o.privateRegions)
        body.private_regions = o.privateRegions === "*" ? "*" : o.privateRegions.split(",").map((s) => s.trim());
      if (o.enterpriseId) body.enterprise_id = o.enterpriseId;
      if (o.expiresAt) body.expires_at = o.expiresAt;
      out(await callGateway(resolveTarget(o), "POST", "/admin/v1/credentials", body));
    });

  target(credentials.command("list"))
    .description("list live credentials (no secrets)")
    .action(async (o: TargetOptions) => {
      out(await callGateway(resolveTarget(o), "GET", "/admin/v1/credentials"));
    });

  target(credentials.command("revoke"))
    .description("revoke a credential (effective on the next request)")
    .argument("<id>", "credential id")
    .action(async (id: string, o: TargetOptions) => {
      await callGateway(resolveTarget(o), "DELETE", `/admin/v1/credentials/${encodeURIComponent(id)}`);
      process.stdout.write(`revoked ${id}\n`);
    });
}

/** `audit [--url GW] [--token T] [--region NAME] [--limit N]`. */
export function registerAudit(program: Command): void {
  targetOptions(program.command("audit").description("read the audit trail of a running gateway, newest first"))
    .option("--region <name>", "only changes to this region (or credential id)")
    .option("--limit <n>", "how many entries", "100")
    .action(async (o: TargetOptions & { region?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.region) q.set("region", o.region);
      out(await callGateway(resolveTarget(o), "GET", `/admin/v1/audit?${q}`));
    });
}
