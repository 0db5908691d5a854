/**
 * The shared-state backends a suite runs on: the embedded default's memory, and Redis from
 * FLOOPY_TEST_REDIS_URL. Without that variable the Redis run is skipped on a laptop (with a
 * message saying how to run it) and fails in CI, so CI cannot pass by skipping.
 */
export interface SharedStateBackend {
  name: "memory" | "redis";
  /** The gateway environment that selects the backend. */
  env(): Record<string, string>;
}

export function sharedStateBackends(): SharedStateBackend[] {
  const memory: SharedStateBackend = { name: "memory", env: () => ({}) };
  const url = process.env.FLOOPY_TEST_REDIS_URL;
  if (url !== undefined && url !== "")
    return [memory, { name: "redis", env: () => ({ FLOOPY_REDIS_URL: url }) }];
  if (process.env.CI === "true") {
    return [
      memory,
      {
        name: "redis",
        env: () => {
          throw new Error("FLOOPY_TEST_REDIS_URL is required in CI (e.g. redis://127.0.0.1:6379)");
        },
      },
    ];
  }
  console.warn(
    "FLOOPY_TEST_REDIS_URL is not set; running on memory only (e.g. FLOOPY_TEST_REDIS_URL=redis://127.0.0.1:6379)",
  );
  return [memory];
}
