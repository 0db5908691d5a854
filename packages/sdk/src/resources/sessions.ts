/** `GET /v1/sessions/{id}`: a conversation as its last turn saw it, to restore it. */
import type OpenAI from "openai";
import type { RequestOptions } from "../request-options.js";
import { FLAT, fromWire } from "../wire-case.js";
import { Resource, segment } from "./resource.js";

export interface SessionTurn {
  requestId: string;
  createdAt: string;
  model: string | null;
  provider: string | null;
}

export interface Session {
  sessionId: string;
  /** Oldest first: the last turn's request messages, then its answer, without repeats. */
  messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  turnCount: number;
  turns: SessionTurn[];
}

export class Sessions extends Resource {
  /**
   * One session's conversation and turns.
   *
   * @example
   * const session = await client.sessions.get("support-ticket-1234");
   * const restored = [...session.messages, { role: "user", content: "And then?" }];
   */
  async get(sessionId: string, options?: RequestOptions): Promise<Session> {
    const body = await this.transport.json(
      { method: "GET", path: `/sessions/${segment(sessionId)}` },
      options,
    );
    return fromWire(body, { turns: FLAT }) as Session;
  }
}
