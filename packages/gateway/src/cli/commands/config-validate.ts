/**
 * `floopy config validate`: runs every check `floopy serve` runs before it listens — the settings,
 * the config file, the providers, the master key, and the checks against the store (a config key
 * naming a routing rule that exists nowhere) through the same function the gateway calls — and
 * exits. It only reads: it creates no data directory, no database and no master key.
 */
import { checkStartup, planStartup } from "../../control/check-startup.js";
import { findMasterKey } from "../../control/master-key.js";
import { StoredProviders } from "../../control/stored-providers.js";
import { logFormatOf, logLevelOf } from "../../observability/logger.js";
import { demoProvider, resolveProviders } from "../../providers/provider-instance.js";
import { ProviderSet } from "../../providers/provider-set.js";
import { openControlReader } from "../../store/open-control-reader.js";
import type { CommandSpec } from "../command-spec.js";

// The demo provider's models are checked by name only; nothing is sent to this address.
const DEMO_PLACEHOLDER_URL = "http://127.0.0.1:9/v1";

export const configValidateCommand: CommandSpec = {
  words: ["config", "validate"],
  summary: "check the configuration as serve would, and exit",
  usage: "[--config FILE] [--demo]",
  description:
    "Checks everything `floopy serve` checks before it listens: the FLOOPY_* settings, the config\n" +
    "file (every field, rule targets that no enabled provider serves, keys naming a routing rule\n" +
    "that exists neither in the file nor in the store), the master key and FLOOPY_ADMIN_KEY. It\n" +
    "reads the store but writes nothing. Exits 0 when serve would start, 2 with the first problem.",
  arguments: [],
  flags: {
    config: {
      type: "string",
      value: "FILE",
      description: "the config file to check (overrides FLOOPY_CONFIG)",
    },
    demo: {
      type: "boolean",
      description: "check as `floopy serve --demo` would (rules may name mock/… models)",
    },
  },
  environment:
    "FLOOPY_CONFIG, FLOOPY_DATA_DIR, FLOOPY_DATABASE_URL, FLOOPY_LOG_LEVEL, FLOOPY_MASTER_KEY, FLOOPY_BOOTSTRAP_KEY,\n" +
    "FLOOPY_ADMIN_KEY, FLOOPY_DEMO, FLOOPY_PORT, FLOOPY_HOST, <PROVIDER>_API_KEY, <PROVIDER>_BASE_URL",
  async run(input) {
    // Checked before anything else, as the logger would: one line naming the levels and formats.
    logLevelOf(input.env);
    logFormatOf(input.env, Boolean(process.stdout.isTTY));
    const configPath = input.string("config");
    const config = input.loadConfig({
      ...(configPath === undefined ? {} : { config: configPath }),
      demo: input.boolean("demo"),
    });
    const { settings } = config;
    const providers = resolveProviders(config.file.providers, config.env);
    if (settings.demo) providers.push(demoProvider(DEMO_PLACEHOLDER_URL));
    const masterKey = findMasterKey({
      fromEnv: settings.masterKey,
      dataDir: settings.dataDir,
      distributed: settings.databaseUrl !== undefined,
    });
    const opened = await openControlReader({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
    let enabled: string[];
    try {
      // Stored providers count as serve counts them: rules may name those this master key unseals.
      const providerSet = new ProviderSet({ fixed: providers, aliases: config.file.models ?? {} });
      const records = await opened.reader.listProviders();
      const stored = new StoredProviders({ masterKey }).instances(records);
      if (stored.length < records.length) {
        const skipped = records.filter((record) => !stored.some((instance) => instance.id === record.name));
        process.stderr.write(
          `warning: serve would skip the stored provider(s) ${skipped.map((record) => record.name).join(", ")}: not unsealed by this master key, or invalid (docs/secrets.md)\n`,
        );
      }
      providerSet.replaceStored(stored);
      enabled = providerSet.providers.map((provider) => provider.id);
      await checkStartup(opened.reader, planStartup(config, providerSet.providers));
    } finally {
      await opened.close();
    }
    process.stdout.write(
      `configuration OK${config.sourcePath ? ` (${config.sourcePath})` : ""}; providers: ${enabled.length > 0 ? enabled.join(", ") : "none"}\n`,
    );
    return 0;
  },
};
