/** `--port`: a port number 0-65535 (0 lets the system choose a free port). */
import { ConfigError } from "../config/config-error.js";

export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: expected a port number 0-65535, got "${text}"`);
  return port;
}
