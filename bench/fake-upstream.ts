/**
 * Zero-delay testkit upstreams (OpenAI and Anthropic) in their own process, so a benchmark can pin it to a core. Prints
 * their base URLs as one JSON line on stdout, then serves until killed.
 */
import { startFakeAnthropic, startFakeOpenAI } from "@floopy/testkit";

const fake = await startFakeOpenAI({ apiKey: "sk-bench" });
const anthropic = await startFakeAnthropic({ apiKey: "sk-ant-bench" });
// The benchmark sends thousands of requests; recording them all would only measure memory growth.
fake.recordRequests(false);
anthropic.recordRequests(false);
// The failover benchmark makes the OpenAI fake fail a share of its requests (every n-th, so the
// share is exact and the same in every run).
const failurePercent = Number(process.env.BENCH_PRIMARY_FAILURE_PERCENT ?? 0);
if (failurePercent > 0) {
  let seen = 0;
  fake.setFault(() => {
    seen++;
    return (seen * failurePercent) % 100 < failurePercent ? { kind: "status", status: 500 } : undefined;
  });
}
process.stdout.write(`${JSON.stringify({ openai: fake.url, anthropic: anthropic.url })}\n`);
const stop = () => void Promise.all([fake.close(), anthropic.close()]).then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
