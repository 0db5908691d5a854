/**
 * Makes a crash's loss visible. Each gateway process keeps a marker row in the events store while
 * it runs, rewritten after record flushes with the instant before which every record it accepted
 * is written; a clean stop flushes, then deletes the row. A row left behind is a process that
 * stopped without flushing (kill -9, a crash, lost power): at start, an instance claims such rows
 * (deleting each; one instance wins it) so the gateway can say from when records may be missing.
 *
 * Which rows are left behind: the row of a process on this host that no longer runs (its pid is
 * gone, or it is our own pid, reused by a restarted container), or the row of another host that
 * has not been written for `staleAfterMs` (another instance of a fleet, killed without a restart
 * in place). The rows live in the events store, so this works alike on the embedded SQLite file
 * and on a PostgreSQL shared by many instances.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { EventStore, GatewayInstanceRecord } from "../store/types.js";

export interface InstanceMarkerOptions {
  store: Pick<EventStore, "listGatewayInstances" | "saveGatewayInstance" | "removeGatewayInstance">;
  /** A row of another host unwritten for this long belongs to a process that is gone. */
  staleAfterMs: number;
  /** The row is rewritten at least this often while nothing is flushed (the heartbeat). */
  heartbeatMs: number;
  onWriteError?: (error: unknown) => void;
  host?: string;
  pid?: number;
  now?: () => number;
  isRunning?: (pid: number) => boolean;
}

/** Markers of instances running in this process (tests and embedders run several): never claimed. */
const runningHere = new Set<string>();

export class InstanceMarker {
  readonly id = `gw_${randomBytes(9).toString("base64url")}`;
  private readonly host: string;
  private readonly pid: number;
  private readonly now: () => number;
  private startedAt = 0;
  private lastSavedAt = 0;
  private saving: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: InstanceMarkerOptions) {
    this.host = options.host ?? hostname();
    this.pid = options.pid ?? process.pid;
    this.now = options.now ?? Date.now;
  }

  /** Deletes and returns the rows of processes that stopped without a clean shutdown. */
  async claimUncleanStops(): Promise<GatewayInstanceRecord[]> {
    const now = this.now();
    const isRunning = this.options.isRunning ?? processIsRunning;
    const claimed: GatewayInstanceRecord[] = [];
    for (const row of await this.options.store.listGatewayInstances()) {
      if (runningHere.has(row.id)) continue;
      const gone =
        row.host === this.host
          ? row.pid === this.pid || !isRunning(row.pid)
          : now - row.seenAt.getTime() >= this.options.staleAfterMs;
      if (gone && (await this.options.store.removeGatewayInstance(row.id))) claimed.push(row);
    }
    return claimed;
  }

  /** Writes this process's row; from now on a stop without `stop()` is visible to the next start. */
  async start(): Promise<void> {
    this.startedAt = this.now();
    runningHere.add(this.id);
    await this.save(this.startedAt);
  }

  /**
   * Called after each flush of the record queue: every record accepted before `upTo` is written.
   * Rewrites the row when records were written, and otherwise at the heartbeat interval.
   */
  noteFlushed(upTo: number, written: number): void {
    if (this.stopped || this.saving !== undefined || this.startedAt === 0) return;
    if (written === 0 && this.now() - this.lastSavedAt < this.options.heartbeatMs) return;
    this.saving = this.save(upTo)
      .catch((error: unknown) => this.options.onWriteError?.(error))
      .finally(() => {
        this.saving = undefined;
      });
  }

  /** After the final flush: removes the row, so the next start knows this stop was clean. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.saving;
    runningHere.delete(this.id);
    await this.options.store.removeGatewayInstance(this.id);
  }

  private async save(flushedAt: number): Promise<void> {
    const seenAt = this.now();
    await this.options.store.saveGatewayInstance({
      id: this.id,
      host: this.host,
      pid: this.pid,
      startedAt: new Date(this.startedAt),
      flushedAt: new Date(flushedAt),
      seenAt: new Date(seenAt),
    });
    this.lastSavedAt = seenAt;
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as { code?: string }).code === "EPERM";
  }
}
