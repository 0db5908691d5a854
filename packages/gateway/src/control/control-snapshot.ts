/**
 * The in-memory snapshot of the control plane the hot path reads (no database round trip per
 * request). Rebuilt when the store's control version moves: polled on an interval, so a key
 * created or revoked by `floopy keys` in another process, or by another instance sharing the
 * database, takes effect here within one poll interval.
 */
import type { Logger } from "pino";
import type { ApiKeyRecord, ControlStore } from "../store/types.js";

export interface ControlSnapshotData {
  version: number;
  keysByHash: ReadonlyMap<string, ApiKeyRecord>;
}

export interface ControlSnapshotOptions {
  store: ControlStore;
  pollMs: number;
  logger: Logger;
  onReloadError?: (error: unknown) => void;
}

export class ControlSnapshot {
  private data: ControlSnapshotData = { version: -1, keysByHash: new Map() };
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;

  constructor(private readonly options: ControlSnapshotOptions) {}

  get current(): ControlSnapshotData {
    return this.data;
  }

  keyByHash(hash: string): ApiKeyRecord | undefined {
    return this.data.keysByHash.get(hash);
  }

  async load(): Promise<void> {
    const version = await this.options.store.controlVersion();
    const keys = await this.options.store.listApiKeys();
    this.data = { version, keysByHash: new Map(keys.map((key) => [key.hash, key])) };
  }

  /** Reloads when the stored version moved; a store failure keeps serving the last good snapshot. */
  async refresh(): Promise<void> {
    if (this.reloading) return this.reloading;
    this.reloading = (async () => {
      try {
        const version = await this.options.store.controlVersion();
        if (version !== this.data.version) {
          await this.load();
          this.options.logger.debug({ version }, "control snapshot reloaded");
        }
      } catch (error) {
        this.options.onReloadError?.(error);
        this.options.logger.warn(
          { err: error },
          "control snapshot refresh failed; serving the last snapshot",
        );
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  startPolling(): void {
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
