/**
 * What routing knows about each target from recent traffic: exponentially weighted moving averages
 * of latency and time to first token, a recent success rate, and the mean of its most recent
 * feedback scores. Outcomes are fed from dispatch and stay in-process: each instance learns from
 * its own traffic, which is what latency-based routing wants anyway. Feedback is shared: every
 * instance reads every feedback from the events store (routing/feedback-sync.ts), so instances
 * sharing a database rank targets by the same scores; a feedback is counted once, however many
 * ways it arrives (by id).
 */

export interface TargetStatistics {
  /** Moving average of total latency (ms), or null before the first success. */
  latencyMs: number | null;
  /** Moving average of time to first token (ms) on streams, or null. */
  ttftMs: number | null;
  /** Moving average of outcomes, 1 = success, 0 = failure; 1 before any outcome. */
  successRate: number;
  /** Outcomes seen. */
  samples: number;
  /** Mean of the last FEEDBACK_WINDOW feedback scores in 0..1, or null before any feedback. */
  feedbackScore: number | null;
  feedbackSamples: number;
}

export interface TargetStatisticsSource {
  get(target: string): TargetStatistics;
}

/** Weight of the newest observation in each moving average. */
const ALPHA = 0.2;

/** The feedback score is the mean of a target's last this many feedbacks. */
export const FEEDBACK_WINDOW = 50;

/** Feedback ids remembered to count each once (well beyond what one sync window re-reads). */
const REMEMBERED_FEEDBACK = 20_000;

function blend(previous: number | null, value: number): number {
  return previous === null ? value : previous + ALPHA * (value - previous);
}

export class TargetStatisticsBook implements TargetStatisticsSource {
  private readonly byTarget = new Map<string, TargetStatistics>();
  private readonly recentFeedback = new Map<string, number[]>();
  private readonly countedFeedback = new Set<string>();

  get(target: string): TargetStatistics {
    return (
      this.byTarget.get(target) ?? {
        latencyMs: null,
        ttftMs: null,
        successRate: 1,
        samples: 0,
        feedbackScore: null,
        feedbackSamples: 0,
      }
    );
  }

  recordOutcome(target: string, outcome: { ok: boolean; latencyMs: number; ttftMs?: number | null }): void {
    const stats = { ...this.get(target) };
    stats.successRate =
      stats.samples === 0 ? (outcome.ok ? 1 : 0) : blend(stats.successRate, outcome.ok ? 1 : 0);
    stats.samples++;
    if (outcome.ok) {
      stats.latencyMs = blend(stats.latencyMs, outcome.latencyMs);
      if (outcome.ttftMs !== undefined && outcome.ttftMs !== null)
        stats.ttftMs = blend(stats.ttftMs, outcome.ttftMs);
    }
    this.byTarget.set(target, stats);
  }

  /**
   * One feedback in 0..1 for a target; `id` (the feedback's) makes a repeat a no-op. Returns
   * whether it counted.
   */
  recordFeedback(target: string, score: number, id?: string): boolean {
    if (id !== undefined) {
      const seen = `${id} ${target}`;
      if (this.countedFeedback.has(seen)) return false;
      this.countedFeedback.add(seen);
      if (this.countedFeedback.size > REMEMBERED_FEEDBACK) {
        const oldest = this.countedFeedback.values().next().value;
        if (oldest !== undefined) this.countedFeedback.delete(oldest);
      }
    }
    const recent = this.recentFeedback.get(target) ?? [];
    recent.push(Math.min(1, Math.max(0, score)));
    if (recent.length > FEEDBACK_WINDOW) recent.shift();
    this.recentFeedback.set(target, recent);
    const stats = { ...this.get(target) };
    stats.feedbackScore = recent.reduce((sum, value) => sum + value, 0) / recent.length;
    stats.feedbackSamples++;
    this.byTarget.set(target, stats);
    return true;
  }
}
