/**
 * The `floopy` command: `serve`, `keys create|list|revoke`, `config validate`. Reads the same
 * environment as the gateway (INTERFACE.md "Starting it"), so `floopy keys create` next to a
 * running gateway writes to the same store and the gateway picks the key up within seconds.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../config/config-error.js";
import { type ConfigFlags, loadConfig } from "../config/load-config.js";
import { generateApiKey } from "../control/api-keys.js";
import { newKeyRecord } from "../control/bootstrap-keys.js";
import { checkConfigRuleTargets } from "../control/config-rules.js";
import { startGateway } from "../gateway.js";
import { createLogger } from "../observability/logger.js";
import { ModelCatalogue } from "../providers/model-catalogue.js";
import { resolveProviders } from "../providers/provider-instance.js";
import { openStores } from "../store/open-stores.js";

const usage = `Usage: floopy <command> [options]

Commands:
  serve [--port N] [--host H] [--config FILE] [--demo]
                                                 start the gateway (--demo: with the built-in demo provider)
  keys create --name NAME [--org ORG] [--project PROJECT] [--routing-rule RULE] [--expires-at ISO-8601]
                                                 create a gateway key and print it once
  keys create --name NAME --admin                create an admin key (admin API only) and print it once
  keys list [--json]                             list keys (never the keys themselves)
  keys revoke ID                                 revoke a key (takes effect on running gateways within seconds)
  config validate [--config FILE]                check the configuration and exit

Environment: FLOOPY_PORT, FLOOPY_HOST, FLOOPY_DATA_DIR, FLOOPY_DATABASE_URL, FLOOPY_CONFIG,
FLOOPY_BOOTSTRAP_KEY, FLOOPY_ADMIN_KEY, FLOOPY_MASTER_KEY, FLOOPY_DEMO, FLOOPY_REDIS_URL, <PROVIDER>_API_KEY, <PROVIDER>_BASE_URL.
See docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      config: { type: "string" },
      name: { type: "string" },
      org: { type: "string" },
      project: { type: "string" },
      "expires-at": { type: "string" },
      "routing-rule": { type: "string" },
      admin: { type: "boolean" },
      demo: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, subcommand, argument] = positionals;
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(`${usage}\n`);
    return command === undefined && !values.help ? 1 : 0;
  }
  const flags: ConfigFlags = { host: values.host, config: values.config, demo: values.demo };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(`--port: expected 0-65535, got "${values.port}"`);
    flags.port = port;
  }
  const config = loadConfig(process.env, flags);

  if (command === "serve") return serve(config);
  if (command === "config" && subcommand === "validate") {
    const providers = resolveProviders(config.file.providers, config.env);
    checkConfigRuleTargets(
      config.file.routing_rules,
      new ModelCatalogue(providers, config.file.models ?? {}),
    );
    process.stdout.write(`configuration OK${config.sourcePath ? ` (${config.sourcePath})` : ""}\n`);
    return 0;
  }
  if (command === "keys") {
    const stores = await openStores({
      databaseUrl: config.settings.databaseUrl,
      dataDir: config.settings.dataDir,
    });
    try {
      if (subcommand === "create") {
        if (values.name === undefined || values.name.trim() === "")
          throw new ConfigError("keys create: --name is required");
        const admin = values.admin === true;
        if (admin && (values.project !== undefined || values["routing-rule"] !== undefined)) {
          throw new ConfigError("keys create: an --admin key takes no --project or --routing-rule");
        }
        const routingRule = values["routing-rule"];
        if (routingRule !== undefined && !(await stores.control.getRoutingRule(routingRule))) {
          throw new ConfigError(`keys create: there is no routing rule named "${routingRule}"`);
        }
        const orgId = values.org ?? "default";
        const org = await stores.control.getOrg(orgId);
        if (!org) {
          await stores.control.ensureOrg({ id: orgId, name: orgId });
          process.stderr.write(`created org '${orgId}'\n`);
        }
        if (values.project !== undefined) {
          await stores.control.ensureProject({ id: values.project, orgId, name: values.project });
        }
        let expiresAt: Date | null = null;
        if (values["expires-at"] !== undefined) {
          expiresAt = new Date(values["expires-at"]);
          if (Number.isNaN(expiresAt.getTime()))
            throw new ConfigError("keys create: --expires-at must be an ISO-8601 date");
        }
        const key = generateApiKey();
        const record = await stores.control.insertApiKey({
          ...newKeyRecord(values.name.trim(), key, "cli", {
            orgId,
            projectId: values.project ?? null,
            expiresAt,
          }),
          routingRule: routingRule ?? null,
          scope: admin ? "admin" : "gateway",
        });
        if (values.json)
          process.stdout.write(`${JSON.stringify({ id: record.id, name: record.name, key })}\n`);
        else {
          process.stdout.write(`${key}\n`);
          process.stderr.write(
            `${admin ? "admin key" : "key"} ${record.id} '${record.name}' created; it is shown only this once.\n`,
          );
        }
        return 0;
      }
      if (subcommand === "list") {
        const keys = await stores.control.listApiKeys();
        if (values.json) {
          process.stdout.write(`${JSON.stringify(keys.map(({ hash: _hash, ...rest }) => rest))}\n`);
          return 0;
        }
        const rows = keys.map((key) => [
          key.id,
          key.name,
          key.displayPrefix,
          key.orgId,
          key.projectId ?? "*",
          key.scope,
          key.routingRule ?? "-",
          key.revokedAt ? "revoked" : key.expiresAt && key.expiresAt <= new Date() ? "expired" : "active",
          key.createdAt.toISOString(),
        ]);
        printTable(["ID", "NAME", "PREFIX", "ORG", "PROJECT", "SCOPE", "RULE", "STATUS", "CREATED"], rows);
        return 0;
      }
      if (subcommand === "revoke") {
        if (argument === undefined)
          throw new ConfigError("keys revoke: the key ID is required (see `floopy keys list`)");
        if (!(await stores.control.revokeApiKey(argument, new Date()))) {
          process.stderr.write(`no key with id '${argument}'\n`);
          return 1;
        }
        process.stdout.write(`revoked ${argument}\n`);
        return 0;
      }
    } finally {
      await stores.close();
    }
  }
  process.stderr.write(`unknown command: ${positionals.join(" ")}\n\n${usage}\n`);
  return 1;
}

async function serve(config: ReturnType<typeof loadConfig>): Promise<number> {
  const logger = createLogger(config.env);
  const gateway = await startGateway({
    config,
    logger,
    onGeneratedKey: (key) => {
      process.stdout.write(
        `\nNo gateway key existed, so one was created. It is shown only this once:\n\n    ${key}\n\nUse it as the API key of your OpenAI client (base URL ${`http://${config.settings.host}:${config.settings.port}/v1`}).\n\n`,
      );
    },
  });
  await new Promise<void>((resolve) => {
    let stoppingSince: number | undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        // Ctrl-C under `npm start` reaches us twice at once (from the terminal and from npm):
        // only a second signal given on purpose, a moment later, skips the graceful stop.
        if (Date.now() - stoppingSince < 1_000) return;
        logger.warn({ signal }, "second signal: exiting now");
        process.exit(1);
      }
      stoppingSince = Date.now();
      logger.info({ signal }, "shutting down: finishing in-flight requests");
      gateway.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, "error during shutdown");
        resolve();
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    watchNpmParent(() => stop("SIGTERM"), logger);
  });
  return 0;
}

/**
 * Under `npm start`, a supervisor that signals only npm kills npm without the signal reaching us
 * (npm does not forward it), which would leave the gateway running orphaned on its port. When the
 * process that started us goes away, stop gracefully as if signalled.
 */
function watchNpmParent(stop: () => void, logger: ReturnType<typeof createLogger>): void {
  if (process.env.npm_lifecycle_event === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    logger.info("npm, which started the gateway, has exited");
    stop();
  }, 250);
  timer.unref();
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join("\n")}\n`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (error instanceof ConfigError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`floopy: ${(error as Error).message}\n`);
    } else if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      // The port is bound before anything shared is written, so a start that fails here changed nothing.
      process.stderr.write(`floopy: ${(error as Error).message} (${code}); nothing was changed\n`);
    } else {
      process.stderr.write(`floopy: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 2;
  },
);
