/**
 * Fetches an image a caller gave by URL, for providers that accept only inline bytes (Gemini).
 * The URL is the caller's, so it is treated as hostile: public addresses only, checked on the
 * resolved address at connect time and again on every redirect hop, with a size cap, a time cap
 * and a redirect limit. No credentials are ever sent.
 */
import { isIP } from "node:net";
import { Agent } from "undici";
import { GatewayError } from "../errors/gateway-error.js";
import { lookupAllowing } from "./lookup-allowing.js";
import { isPublicAddress } from "./public-address.js";
import { type BodyRead, readBody } from "./read-body.js";

export interface ImageFetcherOptions {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** Which resolved addresses may be reached; public unicast only unless a test says otherwise. */
  isAllowedAddress?: (address: string) => boolean;
}

export interface FetchedImage {
  mediaType: string;
  /** Base64 of the bytes. */
  data: string;
}

export class ImageFetcher {
  private readonly agent: Agent;
  private readonly allowed: (address: string) => boolean;

  constructor(private readonly options: ImageFetcherOptions) {
    this.allowed = options.isAllowedAddress ?? isPublicAddress;
    const allowed = this.allowed;
    this.agent = new Agent({
      connect: {
        timeout: options.timeoutMs,
        lookup: lookupAllowing(allowed),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 16,
    });
  }

  async fetch(url: string, signal: AbortSignal): Promise<FetchedImage> {
    // Our own controller, so nothing is left to fire into a finished request afterwards.
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(abort, this.options.timeoutMs);
    signal.addEventListener("abort", abort, { once: true });
    try {
      return await this.fetchFollowing(url, controller.signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }

  private async fetchFollowing(url: string, deadline: AbortSignal): Promise<FetchedImage> {
    let current = parseImageUrl(url);
    for (let hop = 0; hop <= (this.options.maxRedirects ?? 3); hop++) {
      // IP literals never go through DNS lookup, so the connect-time guard would not see them.
      const host = current.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) !== 0 && !this.allowed(host)) throw refused(url, "it points to a non-public address");
      let response: Awaited<ReturnType<Agent["request"]>>;
      try {
        response = await this.agent.request({
          origin: current.origin,
          path: current.pathname + current.search,
          method: "GET",
          headers: { accept: "image/*", "user-agent": "floopy-gateway/0.1" },
          signal: deadline,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw refused(
          url,
          code === "EFORBIDDENADDRESS" ? "it points to a non-public address" : (error as Error).message,
        );
      }
      const { statusCode, headers, body } = response;
      // Bodies abandoned below must not surface their abort as an unhandled error.
      body.on("error", () => {});
      if (statusCode >= 300 && statusCode < 400 && typeof headers.location === "string") {
        body.destroy();
        current = parseImageUrl(new URL(headers.location, current).toString());
        continue;
      }
      if (statusCode !== 200) {
        body.destroy();
        throw refused(url, `the server answered HTTP ${statusCode}`);
      }
      const mediaType =
        String(headers["content-type"] ?? "")
          .split(";")[0]
          ?.trim() ?? "";
      if (!mediaType.startsWith("image/")) {
        body.destroy();
        throw refused(url, `it is not an image (content-type '${mediaType || "none"}')`);
      }
      const declared = Number(headers["content-length"] ?? Number.NaN);
      if (declared > this.options.maxBytes) {
        body.destroy();
        throw refused(url, `it is larger than ${this.options.maxBytes} bytes`);
      }
      let read: BodyRead;
      try {
        read = await readBody(body, this.options.maxBytes);
      } catch (error) {
        throw refused(url, (error as Error).message);
      }
      if (read.overflowed) throw refused(url, `it is larger than ${this.options.maxBytes} bytes`);
      return { mediaType, data: read.bytes.toString("base64") };
    }
    throw refused(url, "it redirects too many times");
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function parseImageUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused(url, "it is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw refused(url, "only http(s) URLs can be fetched");
  return parsed;
}

function refused(url: string, reason: string): GatewayError {
  // Only the origin is echoed: the path or query of a signed URL may carry a secret.
  let origin = "the image URL";
  try {
    origin = new URL(url).origin;
  } catch {
    // keep the generic wording
  }
  return new GatewayError("BAD_REQUEST", `Could not fetch the image at ${origin}: ${reason}.`, {
    param: "image_url",
  });
}
