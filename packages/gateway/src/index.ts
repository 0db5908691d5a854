/** Public entry points for embedding the gateway (tests, the SDK's integration tests, benchmarks). */

export type { LoadedConfig } from "./config/load-config.js";
export { loadConfig, parseConfigText } from "./config/load-config.js";
export type { Settings } from "./config/settings.js";
export { defaultSettings } from "./config/settings.js";
export { generateApiKey, hashApiKey } from "./control/api-keys.js";
export type { Gateway, StartGatewayOptions } from "./gateway.js";
export { startGateway } from "./gateway.js";
