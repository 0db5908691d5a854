/**
 * `floopy config export`: the live configuration in the config-file format, as `GET /admin/config`
 * answers it (one builder, control/config-document.ts): the config file's sections, every routing
 * rule and gateway key of the store the gateway reads, every provider with its credential as a
 * `${VAR}` reference. It only reads.
 */
import { configDocumentText, readConfigDocument } from "../../control/config-document.js";
import { resolveProviders } from "../../providers/provider-instance.js";
import { openControlReader } from "../../store/open-control-reader.js";
import { type CommandSpec, UsageError } from "../command-spec.js";

export const configExportCommand: CommandSpec = {
  words: ["config", "export"],
  summary: "print the live configuration as a config file (credentials as references)",
  usage: "[--config FILE] [--format yaml|json]",
  description:
    "Prints what `GET /admin/config` answers: the config file's sections, every routing rule and\n" +
    "gateway key of the store the gateway reads (keys by hash), and every provider — from the\n" +
    `environment, the config file and the admin API — with its credential replaced by a \${VAR}\n` +
    "reference. Org constraints, plans and admin keys are not part of the file format; the header\n" +
    "says so. It reads the store and writes nothing.",
  arguments: [],
  flags: {
    config: {
      type: "string",
      value: "FILE",
      description: "the config file the gateway runs with (overrides FLOOPY_CONFIG)",
    },
    format: { type: "string", value: "yaml|json", description: "yaml (default) or json" },
  },
  environment: "FLOOPY_CONFIG, FLOOPY_DATA_DIR, FLOOPY_DATABASE_URL, <PROVIDER>_API_KEY, <PROVIDER>_BASE_URL",
  async run(input) {
    const format = input.string("format") ?? "yaml";
    if (format !== "yaml" && format !== "json") {
      throw new UsageError(`${input.name}: --format: expected yaml or json, got "${format}"`);
    }
    const configPath = input.string("config");
    const config = input.loadConfig(configPath === undefined ? {} : { config: configPath });
    const fixedProviders = resolveProviders(config.file.providers, config.env);
    const opened = await openControlReader({
      databaseUrl: config.settings.databaseUrl,
      dataDir: config.settings.dataDir,
    });
    try {
      const built = await readConfigDocument(opened.reader, {
        file: config.file,
        templates: config.templates,
        fixedProviders,
      });
      process.stdout.write(configDocumentText(built, format));
    } finally {
      await opened.close();
    }
    return 0;
  },
};
