/**
 * Run as a separate process by stores.test.ts: opens (and so migrates) the SQLite stores in the
 * data dir given as the first argument, then closes them. Several at once test that concurrent
 * migrators on one file neither fail nor apply a migration twice; the second argument, an epoch-ms
 * start time, lines them up after their (slow, uneven) module loading so they really do overlap.
 */
import { openStores } from "../../src/store/open-stores.js";

const [dataDir, startAt] = process.argv.slice(2);
if (dataDir === undefined || startAt === undefined) {
  throw new Error("usage: open-stores-child.ts <data dir> <start at, epoch ms>");
}
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const stores = await openStores({ dataDir });
await stores.close();
