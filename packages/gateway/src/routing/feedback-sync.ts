/**
 * Every instance learns from every feedback: a poll reads the feedback written since the last one
 * (any instance's, from the shared events store) and credits each to the targets it names in this
 * instance's statistics. The instance that took a feedback credits it at once; the poll brings it
 * to the others within one interval. Each read reaches back a little before the newest feedback
 * seen, since instances' clocks differ and a write stamped slightly in the past must not be
 * skipped; the statistics count a feedback once by its id. A store that fails is logged and tried
 * again at the next poll: routing keeps the scores it has.
 */
import type { Logger } from "pino";
import type { FeedbackRecord, SessionStore } from "../store/types.js";
import type { TargetStatisticsBook } from "./target-stats.js";

/** How far back a poll reads before the newest feedback seen (clock skew between instances). */
const REREAD_MS = 10_000;
/** Feedback learnt at start: what routing remembers across a restart. */
const LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;
const PAGE = 1_000;

export interface FeedbackSyncOptions {
  store: Pick<SessionStore, "listFeedbackAfter">;
  stats: TargetStatisticsBook;
  pollMs: number;
  logger: Logger;
  now?: () => number;
}

/** A feedback's 0–10 score as routing weighs it, 0..1. */
export function feedbackWeight(score: number): number {
  return Math.min(1, Math.max(0, score / 10));
}

export function creditFeedback(stats: TargetStatisticsBook, feedback: FeedbackRecord): void {
  for (const target of new Set(feedback.targets))
    stats.recordFeedback(target, feedbackWeight(feedback.score), feedback.id);
}

export class FeedbackSync {
  private newestMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: FeedbackSyncOptions) {
    this.newestMs = (options.now ?? Date.now)() - LOOKBACK_MS;
  }

  start(): void {
    void this.sync();
    this.timer = setInterval(() => void this.sync(), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One poll (also what tests call to see other instances' feedback now). */
  sync(): Promise<void> {
    this.running ??= this.readNew().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async readNew(): Promise<void> {
    let after = { createdAt: new Date(this.newestMs - REREAD_MS), id: "" };
    try {
      for (;;) {
        const page = await this.options.store.listFeedbackAfter(after, PAGE);
        for (const feedback of page) {
          creditFeedback(this.options.stats, feedback);
          this.newestMs = Math.max(this.newestMs, feedback.createdAt.getTime());
        }
        const last = page.at(-1);
        if (last === undefined || page.length < PAGE) return;
        after = { createdAt: last.createdAt, id: last.id };
      }
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        "reading feedback for routing failed; keeping the scores routing has",
      );
    }
  }
}
