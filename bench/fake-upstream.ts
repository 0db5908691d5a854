/**
 * A zero-delay testkit upstream in its own process, so a benchmark can pin it to a core. Prints
 * its base URL on the first line of stdout, then serves until killed.
 */
import { startFakeOpenAI } from "@floopy/testkit";

const fake = await startFakeOpenAI({ apiKey: "sk-bench" });
// The benchmark sends thousands of requests; recording them all would only measure memory growth.
fake.recordRequests?.(false);
process.stdout.write(`${fake.url}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
