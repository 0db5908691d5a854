/** `POST /v1/feedback`: a score for a request or a session, which feedback-driven routing learns from. */
import type { RequestOptions } from "../request-options.js";
import { fromWire, toWire } from "../wire-case.js";
import { Resource } from "./resource.js";

export interface FeedbackCreate {
  /** 0 (useless) to 10 (perfect). */
  score: number;
  useful?: boolean;
  /** The `Floopy-Request-Id` of the answer judged. */
  requestId?: string;
  /** The session judged; with neither id, the key's most recent session. */
  sessionId?: string;
  comment?: string;
}

export interface FeedbackResult {
  /** True when this request or session already had feedback (the first one stands). */
  duplicate: boolean;
  sessionId: string | null;
}

export class Feedback extends Resource {
  /**
   * Records feedback; a repeat for the same request or session answers `duplicate: true`.
   *
   * @example
   * const { duplicate } = await client.feedback.create({ score: 9, requestId, comment: "spot on" });
   */
  async create(feedback: FeedbackCreate, options?: RequestOptions): Promise<FeedbackResult> {
    const body = await this.transport.json(
      { method: "POST", path: "/feedback", body: toWire(feedback) },
      options,
    );
    return fromWire(body) as FeedbackResult;
  }
}
