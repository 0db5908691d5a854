/**
 * What the enabled providers really serve, asked of their model-list endpoints (each protocol's
 * `wire.modelList`: OpenAI-family `GET {base}/models`, Anthropic `GET /v1/models`, Gemini
 * `GET /v1beta/models`) and kept for `model_list_ttl_ms`. A list request waits at most
 * `model_list_timeout_ms` for a provider; one that is slower, or fails, is answered from its last
 * good list or else the catalogue, while the fetch goes on in the background and fills the cache
 * for the next request. Nothing here is on the generation path.
 */
import type { Logger } from "pino";
import { upstreamCodecs } from "../protocol/protocols.js";
import type { ServedModel } from "../providers/declaration.js";
import type { ServedModels } from "../providers/model-catalogue.js";
import type { ProviderInstance } from "../providers/provider-instance.js";
import { readBody } from "../upstream/read-body.js";
import type { UpstreamClient } from "../upstream/upstream-client.js";
import { HOP_HEADER } from "./request-loop.js";

export interface ModelDirectoryOptions {
  upstream: UpstreamClient;
  ttlMs: number;
  /** How long a list request waits for a provider before using what it has. */
  waitMs: number;
  logger: Logger;
  /** This gateway's instance id, sent in `floopy-hop` so a base URL pointing back here is caught. */
  instanceId?: string;
  now?: () => number;
}

interface Listing {
  /** The instance listed: a provider replaced under the same id starts a fresh listing. */
  provider: ProviderInstance;
  /** The last good list; null until one arrived. */
  models: readonly ServedModel[] | null;
  /** When the next fetch is due (a failure retries sooner than the TTL). */
  dueAt: number;
  inFlight: Promise<void> | null;
}

const USER_AGENT = "floopy-gateway/0.1";
/** A failed listing is retried after this long (or the TTL, when shorter). */
const FAILURE_RETRY_MS = 30_000;
/** One fetch, every page included, gives up after this long. */
const FETCH_LIMIT_MS = 15_000;
const MAX_PAGES = 20;
const MAX_PAGE_BYTES = 8 * 1024 * 1024;

export class ModelDirectory {
  private readonly listings = new Map<string, Listing>();
  private readonly now: () => number;

  constructor(private readonly options: ModelDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Each provider's reported models, null for one that has not been listed successfully. */
  async served(providers: readonly ProviderInstance[]): Promise<ServedModels> {
    const waits: Promise<void>[] = [];
    for (const provider of providers) {
      const listing = this.listingOf(provider);
      if (this.now() >= listing.dueAt) waits.push(this.refresh(provider, listing));
    }
    if (waits.length > 0) await waitAtMost(Promise.all(waits), this.options.waitMs);
    const served = new Map<string, readonly ServedModel[] | null>();
    for (const provider of providers) {
      served.set(provider.id, this.listingOf(provider).models);
    }
    return served;
  }

  private listingOf(provider: ProviderInstance): Listing {
    let listing = this.listings.get(provider.id);
    if (listing?.provider !== provider) {
      listing = { provider, models: null, dueAt: 0, inFlight: null };
      this.listings.set(provider.id, listing);
    }
    return listing;
  }

  /** Starts a fetch unless one is running; resolves when it ends (never rejects). */
  private refresh(provider: ProviderInstance, listing: Listing): Promise<void> {
    if (listing.inFlight) return listing.inFlight;
    const { ttlMs, logger } = this.options;
    listing.inFlight = this.fetchAll(provider)
      .then((models) => {
        listing.models = models;
        listing.dueAt = this.now() + ttlMs;
      })
      .catch((error: unknown) => {
        listing.dueAt = this.now() + Math.min(ttlMs, FAILURE_RETRY_MS);
        logger.warn(
          { provider: provider.id, err: error },
          "listing a provider's models failed; answering with the catalogue's",
        );
      })
      .finally(() => {
        listing.inFlight = null;
      });
    return listing.inFlight;
  }

  private async fetchAll(provider: ProviderInstance): Promise<ServedModel[]> {
    const wire = upstreamCodecs[provider.declaration.protocol].wire;
    const signal = AbortSignal.timeout(FETCH_LIMIT_MS);
    const models: ServedModel[] = [];
    let token: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await this.options.upstream.send({
        url: new URL(`${provider.baseUrl}${wire.modelList.path(token)}`),
        method: "GET",
        headers: {
          accept: "application/json",
          "user-agent": USER_AGENT,
          ...wire.headers(provider.apiKey, null),
          ...(this.options.instanceId === undefined
            ? {}
            : { [HOP_HEADER]: `${this.options.instanceId}:${provider.id}` }),
        },
        signal,
        allowLinkLocal: provider.allowLinkLocal,
        firstByteTimeoutMs: FETCH_LIMIT_MS,
      });
      const read = await readBody(response.body, MAX_PAGE_BYTES);
      if (read.overflowed) throw new Error(`the model list is larger than ${MAX_PAGE_BYTES} bytes`);
      const text = read.bytes.toString("utf8");
      if (response.statusCode !== 200) {
        throw new Error(`the model list answered HTTP ${response.statusCode}`);
      }
      const decoded = wire.modelList.decode(JSON.parse(text));
      models.push(...decoded.models);
      token = decoded.nextPageToken;
      if (token === null) break;
    }
    return models;
  }
}

function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    work.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
