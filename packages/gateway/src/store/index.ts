/**
 * What the rest of the gateway uses from the store room: the interfaces and `openStores`.
 */
export { DEFAULT_ORG, DEFAULT_PROJECT, type OpenStoresOptions, openStores } from "./open-stores.js";
export type * from "./types.js";
