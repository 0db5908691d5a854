/**
 * The `options` of INTERFACE.md's SDK section and the `Floopy-*` request headers they become.
 * The same headers go on every call: the `openai` resources get them as default headers, Floopy's
 * own resources on each request, and a call's own `options` override the client's per header.
 */

export interface FloopyCacheOptions {
  /** `Floopy-Cache-Enabled`: turn the exact and semantic cache on or off for the call. */
  enabled?: boolean;
  /** `Floopy-Cache-Bucket-Max-Size`: how many answers one cache bucket keeps. */
  bucketMaxSize?: number;
}

export interface FloopyOptions {
  cache?: FloopyCacheOptions;
  /** `Floopy-Prompt-Id`: resolve a stored prompt before the caller's messages. */
  promptId?: string;
  /** `Floopy-Prompt-Version`: pin the prompt's version (default: the latest). */
  promptVersion?: number | string;
  /** `floopy-llm-security-enabled`: run the LLM firewall pre-check. */
  llmSecurityEnabled?: boolean;
}

/**
 * The `Floopy-*` headers for `options`, for passing to calls the SDK does not make itself, e.g.
 * `client.chat.completions.create(body, { headers: floopyHeaders({ cache: { enabled: false } }) })`.
 *
 * @example
 * floopyHeaders({ cache: { enabled: true, bucketMaxSize: 3 }, promptId: "greeting" });
 * // { "Floopy-Cache-Enabled": "true", "Floopy-Cache-Bucket-Max-Size": "3", "Floopy-Prompt-Id": "greeting" }
 */
export function floopyHeaders(options: FloopyOptions | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!options) return headers;
  const { cache } = options;
  if (cache?.enabled !== undefined) headers["Floopy-Cache-Enabled"] = String(cache.enabled);
  if (cache?.bucketMaxSize !== undefined) {
    headers["Floopy-Cache-Bucket-Max-Size"] = String(cache.bucketMaxSize);
  }
  if (options.promptId !== undefined) headers["Floopy-Prompt-Id"] = options.promptId;
  if (options.promptVersion !== undefined) headers["Floopy-Prompt-Version"] = String(options.promptVersion);
  if (options.llmSecurityEnabled !== undefined) {
    headers["floopy-llm-security-enabled"] = String(options.llmSecurityEnabled);
  }
  return headers;
}
