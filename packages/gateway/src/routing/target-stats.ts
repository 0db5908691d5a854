/**
 * What routing knows about each target from recent traffic: exponentially weighted moving averages
 * of latency and time to first token, a recent success rate, and (once the feedback API exists) an
 * average feedback score. Fed from the request log path; read by the strategies. In-process: each
 * instance learns from its own traffic, which is what latency-based routing wants anyway.
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
  /** Moving average of feedback scores in 0..1, or null before any feedback. */
  feedbackScore: number | null;
  feedbackSamples: number;
}

export interface TargetStatisticsSource {
  get(target: string): TargetStatistics;
}

/** Weight of the newest observation in each moving average. */
const ALPHA = 0.2;

function blend(previous: number | null, value: number): number {
  return previous === null ? value : previous + ALPHA * (value - previous);
}

export class TargetStatisticsBook implements TargetStatisticsSource {
  private readonly byTarget = new Map<string, TargetStatistics>();

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

  /** Feedback in 0..1 (the feedback API will map thumbs and ratings onto this). */
  recordFeedback(target: string, score: number): void {
    const stats = { ...this.get(target) };
    stats.feedbackScore = blend(stats.feedbackScore, Math.min(1, Math.max(0, score)));
    stats.feedbackSamples++;
    this.byTarget.set(target, stats);
  }
}
