/** A configuration problem found at start; the message names the source and the field. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
