/**
 * `/v1/prompts`: the prompt library. Every version is complete and immutable; a generation call
 * uses one through `options: { promptId, promptVersion }` (the `Floopy-Prompt-*` headers).
 */
import type OpenAI from "openai";
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query, Transport } from "../transport.js";
import { FLAT, fromWire, toWire } from "../wire-case.js";
import type { ListQuery } from "./experiments.js";
import { Resource, segment } from "./resource.js";

export interface PromptVersionCreate {
  /** OpenAI chat messages; string contents may hold `{{variable}}`s. */
  messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  /** Left out means none (versions never inherit). */
  model?: string | null;
  /** Values (strings) for `{{variable}}`s the call's `inputs` leave out; keys as written. */
  defaults?: Record<string, string> | null;
}

export interface PromptCreate extends PromptVersionCreate {
  name: string;
  description?: string;
}

export interface Prompt {
  id: string;
  name: string;
  /** The version this answer shows (the latest, for `get`). */
  version: number;
  latestVersion: number;
  messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  model: string | null;
  defaults: Record<string, string>;
  /** The `{{variable}}`s the messages name. */
  variables: string[];
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PromptVersion {
  promptId: string;
  version: number;
  messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  model: string | null;
  defaults: Record<string, string>;
  variables: string[];
  createdAt: string;
}

export class PromptVersions extends Resource {
  /**
   * Adds the next version of a prompt.
   *
   * @example
   * const { version } = await client.prompts.versions.create(promptId, {
   *   messages: [{ role: "system", content: "You are {{ persona }}, briefer than before." }],
   * });
   */
  async create(
    promptId: string,
    version: PromptVersionCreate,
    options?: RequestOptions,
  ): Promise<PromptVersion> {
    const body = await this.transport.json(
      { method: "POST", path: `/prompts/${segment(promptId)}/versions`, body: toWire(version) },
      options,
    );
    return fromWire(body) as PromptVersion;
  }

  /**
   * One page of a prompt's versions.
   *
   * @example
   * const { items } = await client.prompts.versions.list(promptId);
   */
  list(promptId: string, query: ListQuery = {}, options?: RequestOptions): PagePromise<PromptVersion> {
    return this.page(`/prompts/${segment(promptId)}/versions`, toWire(query) as Query, FLAT, options);
  }

  /**
   * Every version of a prompt, across pages.
   *
   * @example
   * for await (const version of client.prompts.versions.iterate(promptId)) console.log(version.version);
   */
  iterate(
    promptId: string,
    query: ListQuery = {},
    options?: RequestOptions,
  ): AsyncGenerator<PromptVersion, void, undefined> {
    return this.everyItem(`/prompts/${segment(promptId)}/versions`, toWire(query) as Query, FLAT, options);
  }

  /**
   * One version of a prompt.
   *
   * @example
   * const first = await client.prompts.versions.get(promptId, 1);
   */
  async get(promptId: string, version: number, options?: RequestOptions): Promise<PromptVersion> {
    const body = await this.transport.json(
      { method: "GET", path: `/prompts/${segment(promptId)}/versions/${segment(version)}` },
      options,
    );
    return fromWire(body) as PromptVersion;
  }
}

export class Prompts extends Resource {
  readonly versions: PromptVersions;

  constructor(transport: Transport) {
    super(transport);
    this.versions = new PromptVersions(transport);
  }

  /**
   * Creates a prompt (its version 1).
   *
   * @example
   * const prompt = await client.prompts.create({
   *   name: "greeting",
   *   messages: [{ role: "system", content: "You are {{ persona }}." }],
   *   defaults: { persona: "a helpful assistant" },
   * });
   */
  async create(prompt: PromptCreate, options?: RequestOptions): Promise<Prompt> {
    const body = await this.transport.json(
      { method: "POST", path: "/prompts", body: toWire(prompt) },
      options,
    );
    return fromWire(body) as Prompt;
  }

  /**
   * One page of prompts.
   *
   * @example
   * const { items } = await client.prompts.list();
   */
  list(query: ListQuery = {}, options?: RequestOptions): PagePromise<Prompt> {
    return this.page("/prompts", toWire(query) as Query, FLAT, options);
  }

  /**
   * Every prompt, across pages.
   *
   * @example
   * for await (const prompt of client.prompts.iterate()) console.log(prompt.name, prompt.version);
   */
  iterate(query: ListQuery = {}, options?: RequestOptions): AsyncGenerator<Prompt, void, undefined> {
    return this.everyItem("/prompts", toWire(query) as Query, FLAT, options);
  }

  /**
   * A prompt at its latest version.
   *
   * @example
   * const latest = await client.prompts.get(promptId);
   */
  async get(promptId: string, options?: RequestOptions): Promise<Prompt> {
    const body = await this.transport.json({ method: "GET", path: `/prompts/${segment(promptId)}` }, options);
    return fromWire(body) as Prompt;
  }
}
