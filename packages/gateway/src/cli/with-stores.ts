/**
 * The `floopy keys` commands' store: the one the gateway reads (FLOOPY_DATA_DIR or
 * FLOOPY_DATABASE_URL). After a command that changed the control plane, running gateways that
 * share FLOOPY_REDIS_URL are told at once, so a revoked key is refused everywhere within a second
 * rather than at each instance's next poll.
 */
import { openSharedState } from "../store/open-shared-state.js";
import { openStores } from "../store/open-stores.js";
import type { Stores } from "../store/types.js";
import type { CommandInput } from "./command-spec.js";

export async function withStores<T>(input: CommandInput, use: (stores: Stores) => Promise<T>): Promise<T> {
  const { settings } = input.loadConfig();
  const stores = await openStores({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  try {
    const before = await stores.control.controlVersion();
    const result = await use(stores);
    if (settings.redisUrl !== undefined && (await stores.control.controlVersion()) !== before) {
      await notifyFleet(settings.redisUrl);
    }
    return result;
  } finally {
    await stores.close();
  }
}

async function notifyFleet(redisUrl: string): Promise<void> {
  const quiet = { warn: () => {}, info: () => {} };
  const shared = await openSharedState({ redisUrl, logger: quiet, connectWaitMs: 5_000 });
  try {
    await shared.notifier.publish("control");
  } catch {
    process.stderr.write(
      "floopy: could not reach FLOOPY_REDIS_URL to tell running gateways; they apply the change at their next control poll\n",
    );
  } finally {
    await shared.close();
  }
}
