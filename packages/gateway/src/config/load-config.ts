/**
 * Loads the configuration: flags > environment > config file > defaults. The config file is YAML
 * (JSON is YAML), `${VAR}` and `${VAR:-default}` are interpolated from the environment into the
 * parsed string values (a value cannot inject YAML), then validated against the schema.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./config-error.js";
import { type ConfigFile, configFileSchema } from "./config-schema.js";
import { looksLikeGatewayKey } from "./gateway-key-format.js";
import { defaultSettings, numericSettingNames, type Settings } from "./settings.js";

export interface LoadedConfig {
  settings: Settings;
  file: ConfigFile;
  /** The environment the config was resolved against (providers read their keys from it). */
  env: Readonly<Record<string, string | undefined>>;
  sourcePath: string | undefined;
  /**
   * The file's string fields written with `${VAR}` references, by dotted path, as written
   * (`providers.backup.api_key` → `${BACKUP_KEY}`): the config export gives them back so it never
   * prints what a reference resolved to.
   */
  templates: Readonly<Record<string, string>>;
}

export interface ConfigFlags {
  port?: number | undefined;
  host?: string | undefined;
  config?: string | undefined;
  demo?: boolean | undefined;
}

export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigFlags = {},
): LoadedConfig {
  const sourcePath = flags.config ?? nonEmpty(env.FLOOPY_CONFIG);
  const text = sourcePath === undefined ? undefined : readConfigText(sourcePath);
  const file = text === undefined || sourcePath === undefined ? {} : parseConfigText(text, sourcePath, env);
  const templates = text === undefined ? {} : configTemplates(text);
  const server = file.server ?? {};
  const settings: Settings = { ...defaultSettings };
  for (const [key, name] of Object.entries(numericSettingNames) as Array<
    [keyof typeof numericSettingNames, string]
  >) {
    const fromFile = server[name as keyof typeof server];
    if (typeof fromFile === "number") settings[key] = fromFile;
    const fromEnv = nonEmpty(env[`FLOOPY_${name.toUpperCase()}`]);
    if (fromEnv !== undefined) settings[key] = parsePositiveInteger(`FLOOPY_${name.toUpperCase()}`, fromEnv);
  }
  settings.port = flags.port ?? optionalPort(env.FLOOPY_PORT) ?? server.port ?? defaultSettings.port;
  settings.host = flags.host ?? nonEmpty(env.FLOOPY_HOST) ?? server.host ?? defaultSettings.host;
  settings.dataDir = nonEmpty(env.FLOOPY_DATA_DIR) ?? defaultSettings.dataDir;
  settings.databaseUrl = nonEmpty(env.FLOOPY_DATABASE_URL);
  settings.redisUrl = redisUrl(nonEmpty(env.FLOOPY_REDIS_URL));
  settings.firewallModel = nonEmpty(env.FIREWALL_MODEL) ?? file.firewall?.model ?? null;
  settings.masterKey = nonEmpty(env.FLOOPY_MASTER_KEY);
  settings.bootstrapKey = gatewayKeyFromEnv(env, "FLOOPY_BOOTSTRAP_KEY");
  settings.adminKey = gatewayKeyFromEnv(env, "FLOOPY_ADMIN_KEY");
  settings.demo = flags.demo === true || parseFlag("FLOOPY_DEMO", env.FLOOPY_DEMO);
  if (settings.adminKey !== undefined && settings.adminKey === settings.bootstrapKey) {
    throw new ConfigError(
      "FLOOPY_ADMIN_KEY: must differ from FLOOPY_BOOTSTRAP_KEY (admin keys cannot call /v1)",
    );
  }
  return { settings, file, env, sourcePath, templates };
}

function gatewayKeyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const value = nonEmpty(env[name]);
  if (value !== undefined && !looksLikeGatewayKey(value)) {
    throw new ConfigError(`${name}: expected fp_ followed by at least 16 letters, digits, - or _`);
  }
  return value;
}

export function readConfigFile(path: string, env: Readonly<Record<string, string | undefined>>): ConfigFile {
  return parseConfigText(readConfigText(path), path, env);
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

interface Reference {
  name: string;
  fallback: string | undefined;
  /** The reference as written: `${NAME}` or `${NAME:-fallback}`. */
  written: string;
}

/**
 * `${VAR}` is swapped for an inert placeholder before parsing (so `{ api_key: ${KEY} }` is valid
 * flow YAML); the values go into the parsed strings afterwards (so a value can never inject YAML
 * structure).
 */
function maskReferences(text: string): { masked: string; references: Reference[] } {
  const references: Reference[] = [];
  const masked = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (written: string, name: string, fallback?: string) => {
      references.push({ name, fallback, written });
      return `__floopy_env_${references.length - 1}__`;
    },
  );
  return { masked, references };
}

/**
 * Every string field of a config text that holds a `${VAR}` reference, by dotted path, with the
 * references as written (nothing is resolved). A text that does not parse has none.
 */
export function configTemplates(text: string): Record<string, string> {
  const { masked, references } = maskReferences(text);
  let raw: unknown;
  try {
    raw = parseYaml(masked);
  } catch {
    return {};
  }
  const templates: Record<string, string> = {};
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value === "string") {
      if (!/__floopy_env_\d+__/.test(value)) return;
      templates[path.join(".")] = value.replace(
        /__floopy_env_(\d+)__/g,
        (match, index: string) => references[Number(index)]?.written ?? match,
      );
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, [...path, String(index)]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(raw, []);
  return templates;
}

export function parseConfigText(
  text: string,
  sourceName: string,
  env: Readonly<Record<string, string | undefined>>,
): ConfigFile {
  const { masked, references } = maskReferences(text);
  let raw: unknown;
  try {
    raw = parseYaml(masked);
  } catch (error) {
    throw new ConfigError(`${sourceName}: not valid YAML or JSON: ${(error as Error).message}`);
  }
  const interpolated = interpolate(raw ?? {}, { env, references, sourceName }, []);
  const result = configFileSchema.safeParse(interpolated);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".") || "(root)";
      return `  ${path}: ${issue.message}`;
    });
    throw new ConfigError(`${sourceName}: invalid configuration\n${problems.join("\n")}`);
  }
  return result.data;
}

interface Interpolation {
  env: Readonly<Record<string, string | undefined>>;
  references: readonly Reference[];
  sourceName: string;
}

function interpolate(value: unknown, context: Interpolation, path: string[]): unknown {
  if (typeof value === "string") {
    return value.replace(/__floopy_env_(\d+)__/g, (match, index: string) => {
      const reference = context.references[Number(index)];
      if (!reference) return match;
      const found = context.env[reference.name];
      if (found !== undefined && found !== "") return found;
      if (reference.fallback !== undefined) return reference.fallback;
      throw new ConfigError(
        `${context.sourceName}: ${path.join(".")}: environment variable ${reference.name} is not set`,
      );
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolate(item, context, [...path, String(index)]));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, context, [...path, key]);
    return out;
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** A yes/no environment variable: unset or empty is no; anything but 1/true/0/false is an error. */
function parseFlag(name: string, value: string | undefined): boolean {
  const text = nonEmpty(value)?.toLowerCase();
  if (text === undefined || text === "0" || text === "false") return false;
  if (text === "1" || text === "true") return true;
  throw new ConfigError(`${name}: expected 1, true, 0 or false, got "${value}"`);
}

function optionalPort(value: string | undefined): number | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`FLOOPY_PORT: expected a port number 0-65535, got "${text}"`);
  }
  return port;
}

function parsePositiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError(`${name}: expected a positive integer, got "${text}"`);
  return value;
}

/** A URL ioredis can use; anything else is a start-up error naming the variable. */
function redisUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`FLOOPY_REDIS_URL: not a URL (expected redis://host:port or rediss://…)`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError(`FLOOPY_REDIS_URL: expected a redis:// or rediss:// URL, got ${url.protocol}//…`);
  }
  return value;
}
