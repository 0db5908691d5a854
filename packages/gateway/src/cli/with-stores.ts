/** The `floopy keys` commands' store: the one the gateway reads (FLOOPY_DATA_DIR or FLOOPY_DATABASE_URL). */
import { openStores } from "../store/open-stores.js";
import type { Stores } from "../store/types.js";
import type { CommandInput } from "./command-spec.js";

export async function withStores<T>(input: CommandInput, use: (stores: Stores) => Promise<T>): Promise<T> {
  const { settings } = input.loadConfig();
  const stores = await openStores({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  try {
    return await use(stores);
  } finally {
    await stores.close();
  }
}
