import { Command } from "commander";
import { registerCerts } from "./cli/certs.ts";
import { registerConvert } from "./cli/convert.ts";
import { registerAudit, registerCredentials } from "./cli/credentials.ts";
import { registerExport } from "./cli/export.ts";
import { CliError } from "./cli/helpers.ts";
import { registerImport } from "./cli/import.ts";
import { packageVersion } from "./version.ts";

export async function main(argv: string[]): Promise<void> {
  const version = packageVersion();
  const program = new Command()
    .name("region-gateway")
    .description(
      "One region catalogue, served as Rainbond console OpenAPI and Keystone/Huawei /v3/regions.\n" +
        "Without a command it runs `serve`.",
    )
    .version(version, "-V, --version", "print the version")
    // every usage error: commander's one line, exit 2 (help and --version exit 0); inherited by the commands
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  // loaded on demand: the client commands (convert, import, …) need no database or server code
  program
    .command("serve", { isDefault: true })
    .description("start the gateway (the default command)")
    .action(async () => (await import("./server.ts")).runServe());
  program
    .command("migrate")
    .description("apply database migrations and exit")
    .action(async () => (await import("./cli/migrate.ts")).runMigrate());
  registerCredentials(program);
  registerAudit(program);
  registerConvert(program);
  registerImport(program);
  registerExport(program);
  registerCerts(program);
  // `serve` is the default command, so commander would read an unknown command as its argument
  const first = argv[2];
  const known = [...program.commands.flatMap((c) => [c.name(), ...c.aliases()]), "help"];
  if (first !== undefined && !first.startsWith("-") && !known.includes(first)) {
    throw new CliError(`unknown command '${first}' (commands: ${known.join(", ")})`, 2);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((error: unknown) => {
  // a driver error's own message says which query failed; its cause says why (refused, no such database…)
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  const why = e?.cause?.message || e?.cause?.code || e?.message || String(error);
  process.stderr.write(`region-gateway: ${String(why).split("\n")[0]}\n`);
  process.exit(error instanceof CliError ? error.exitCode : 2);
});
