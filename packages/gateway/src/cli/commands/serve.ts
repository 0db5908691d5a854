/**
 * `floopy serve`: starts the gateway and runs until SIGTERM/SIGINT, then stops gracefully
 * (in-flight requests finish, records are flushed).
 */
import { startGateway } from "../../gateway.js";
import { createLogger, logFormatOf, logLevelOf } from "../../observability/logger.js";
import type { CommandSpec } from "../command-spec.js";
import { tuneHeapGrowth } from "../heap-growth.js";
import { parsePort } from "../parse-port.js";

export const serveCommand: CommandSpec = {
  words: ["serve"],
  summary: "start the gateway",
  usage: "[options]",
  description:
    "Starts the gateway on FLOOPY_HOST:FLOOPY_PORT (127.0.0.1:8787 by default) and runs until it is\n" +
    "stopped (Ctrl-C or SIGTERM: in-flight requests finish first). On the very first start, with no\n" +
    "gateway key anywhere, it creates one and prints it once.",
  arguments: [],
  flags: {
    port: {
      type: "string",
      value: "N",
      description: "port to listen on (overrides FLOOPY_PORT; 0 picks a free port)",
    },
    host: { type: "string", value: "HOST", description: "address to listen on (overrides FLOOPY_HOST)" },
    config: { type: "string", value: "FILE", description: "the config file (overrides FLOOPY_CONFIG)" },
    demo: {
      type: "boolean",
      description: "enable the built-in demo provider (mock/…): canned answers, no provider keys needed",
    },
  },
  environment:
    "FLOOPY_PORT, FLOOPY_HOST, FLOOPY_CONFIG, FLOOPY_DATA_DIR, FLOOPY_DATABASE_URL, FLOOPY_LOG_LEVEL,\n" +
    "FLOOPY_LOG_FORMAT, FLOOPY_BOOTSTRAP_KEY, FLOOPY_ADMIN_KEY, FLOOPY_MASTER_KEY, FLOOPY_DEMO,\n" +
    "FLOOPY_REDIS_URL, FIREWALL_MODEL, <PROVIDER>_API_KEY, <PROVIDER>_BASE_URL",
  async run(input) {
    tuneHeapGrowth();
    // Checked before anything else, as the logger would: one line naming the levels and formats.
    logLevelOf(input.env);
    logFormatOf(input.env, Boolean(process.stdout.isTTY));
    const port = parsePort(input.string("port"));
    const host = input.string("host");
    const configPath = input.string("config");
    const config = input.loadConfig({
      ...(port === undefined ? {} : { port }),
      ...(host === undefined ? {} : { host }),
      ...(configPath === undefined ? {} : { config: configPath }),
      demo: input.boolean("demo"),
    });
    const logger = createLogger(config.env);
    const gateway = await startGateway({
      config,
      logger,
      onGeneratedKey: (key, url) => {
        process.stdout.write(
          `\nNo gateway key existed, so one was created. It is shown only this once:\n\n    ${key}\n\nUse it as the API key of your OpenAI client (base URL ${url}/v1).\n\n`,
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
  },
};

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
