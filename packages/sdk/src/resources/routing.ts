/** `POST /v1/routing/explain`: the routing dry run, which calls no provider and spends no limit. */
import type OpenAI from "openai";
import type { RequestOptions } from "../request-options.js";
import { FLAT, fromWire, type WireShape } from "../wire-case.js";
import { Resource } from "./resource.js";

type ChatBody = OpenAI.Chat.Completions.ChatCompletionCreateParams;

/** A chat body as for `chat.completions.create`, or one wrapped with the headers to explain it under. */
export type ExplainBody = ChatBody | { request: ChatBody; headers?: Record<string, string> };

export interface RoutingTarget {
  provider: string;
  model: string;
}

export interface ExplainCandidate {
  provider: string | null;
  model: string;
  source: string;
  score: number | null;
  skipped: string | null;
  detail: string | null;
  circuit: string | null;
}

export interface RoutingExplanation {
  /** The target that would be tried first, or null (nothing usable, or the firewall would block). */
  wouldSelect: RoutingTarget | null;
  firewallDecision: "allow" | "block_input";
  reasoning: string;
  routingRuleId: string | null;
  object?: "routing.decision";
  model?: string;
  strategy?: string | null;
  candidates?: ExplainCandidate[];
  order?: RoutingTarget[];
  lastResort?: RoutingTarget[];
  allCircuitsOpen?: boolean;
  /** The firewall's verdict as the gateway reports it, when it screened the prompt. */
  firewall?: unknown;
}

const EXPLANATION_SHAPE: WireShape = { would_select: FLAT, candidates: FLAT, order: FLAT, last_resort: FLAT };

export class Routing extends Resource {
  /**
   * What the gateway would do with a chat request, without doing it.
   *
   * @example
   * const explanation = await client.routing.explain({
   *   model: "gpt-4o-mini",
   *   messages: [{ role: "user", content: "Hi" }],
   * });
   * console.log(explanation.wouldSelect, explanation.reasoning);
   */
  async explain(body: ExplainBody, options?: RequestOptions): Promise<RoutingExplanation> {
    // The body is an OpenAI chat body: its snake_case is the OpenAI API's, sent as it is.
    const answer = await this.transport.json({ method: "POST", path: "/routing/explain", body }, options);
    return fromWire(answer, EXPLANATION_SHAPE) as RoutingExplanation;
  }
}
