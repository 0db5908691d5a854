/**
 * Runs evaluations: each item of the dataset through the gateway's own dispatch (the run's model
 * in the creating key's org, with retries, failover and breakers like any request; a prompt's
 * messages merged and filled from the item's `inputs`), scored, and written as one result. At
 * most `concurrency` items at once; no item starts once `max_cost_usd` is spent (the run then
 * completes with `summary.stopped: "max_cost_usd"`).
 *
 * Runs survive restarts and crashes: the instance executing a run heartbeats it; a run whose
 * heartbeat is older than STALE_MS (its instance died) is claimed by whichever instance looks
 * next — every instance looks at start and every CLAIM_EVERY_MS — and resumes after the last
 * item it wrote (results are unique per item, so nothing is written twice). A clean stop releases
 * its runs at once, and does not count against them. A run claimed more than MAX_CLAIMS times
 * (its instances kept dying under it) is failed, never left running. A
 * cancel (from any instance) is seen at the next heartbeat; on this instance, at once.
 */
import type { Logger } from "pino";
import { emptyUsage } from "../canonical/types.js";
import type { ControlSnapshot } from "../control/control-snapshot.js";
import { backgroundContext } from "../pipeline/background-context.js";
import { generateInternallyFrom } from "../pipeline/internal-call.js";
import type { GatewayServices } from "../pipeline/services.js";
import { mergePrompt } from "../prompts/merge-prompt.js";
import { fillMessages } from "../prompts/prompt-template.js";
import type { ChatMessage, EvaluationRunRecord, EvaluationStore } from "../store/types.js";
import { itemScore, judgePrompt, judgeScore, localScore, type ScorerName } from "./scorers.js";

export const STALE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
const CLAIM_EVERY_MS = 10_000;
const MAX_CLAIMS = 3;
const ITEM_TIMEOUT_MS = 120_000;
const PAGE = 200;

export interface EvaluationConfig {
  scorers: ScorerName[];
  judgeModel: string | null;
  concurrency: number;
  maxCostUsd: number | null;
}

export function runConfig(config: Record<string, unknown>): EvaluationConfig {
  const given = Array.isArray(config.scorers) ? (config.scorers as ScorerName[]) : [];
  const scorers: ScorerName[] = given.length === 0 ? ["exact"] : given;
  return {
    scorers,
    judgeModel: typeof config.judge_model === "string" ? config.judge_model : null,
    concurrency: typeof config.concurrency === "number" ? config.concurrency : 4,
    maxCostUsd: typeof config.max_cost_usd === "number" ? config.max_cost_usd : null,
  };
}

export class EvaluationRunner {
  private readonly running = new Map<string, AbortController>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly services: GatewayServices,
    private readonly store: EvaluationStore,
    private readonly snapshot: ControlSnapshot,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.claim();
    this.claimTimer = setInterval(() => void this.claim(), CLAIM_EVERY_MS);
    this.claimTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  /** Takes a new run now (rather than at the next claim). */
  submit(): void {
    void this.claim();
  }

  /** Stops a run executing here at once (the store already says cancelled). */
  cancel(runId: string): void {
    this.running.get(runId)?.abort();
  }

  /** Stops taking runs, and releases the ones running so the next instance resumes them now. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.claimTimer);
    clearInterval(this.heartbeatTimer);
    const ids = [...this.running.keys()];
    for (const controller of this.running.values()) controller.abort();
    for (const id of ids) await this.store.releaseRun(id, this.instanceId).catch(() => undefined);
  }

  private async claim(): Promise<void> {
    if (this.stopped) return;
    try {
      const now = new Date();
      const claimed = await this.store.claimStaleRuns(
        this.instanceId,
        new Date(now.getTime() - STALE_MS),
        now,
      );
      for (const run of claimed) void this.execute(run);
    } catch (error) {
      this.logger.warn({ err: error }, "evaluations: looking for runs to resume failed; trying again soon");
    }
  }

  private async beat(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const still = new Set(await this.store.heartbeat(this.instanceId, ids, new Date()));
      // Cancelled elsewhere, or taken over: stop here.
      for (const id of ids) if (!still.has(id)) this.running.get(id)?.abort();
    } catch (error) {
      this.logger.warn({ err: error }, "evaluations: heartbeat failed");
    }
  }

  private async execute(run: EvaluationRunRecord): Promise<void> {
    if (this.running.has(run.id)) return;
    const controller = new AbortController();
    this.running.set(run.id, controller);
    try {
      if (run.claims > MAX_CLAIMS) {
        await this.finish(run, "failed", `interrupted ${run.claims - 1} times; not resumed again`);
        return;
      }
      const key = this.snapshot.keyById(run.keyId);
      if (key === undefined || key.revokedAt !== null) {
        await this.finish(run, "failed", "the key that created the run no longer exists or was revoked");
        return;
      }
      const started = await this.store.updateRun(run.id, ["pending", "running"], {
        status: "running",
        ...(run.startedAt === null ? { startedAt: new Date() } : {}),
      });
      if (started === undefined) return;
      const stoppedBy = await this.runItems(started, key.id, controller.signal);
      if (controller.signal.aborted) return;
      await this.finish(started, "completed", null, stoppedBy);
    } catch (error) {
      if (!controller.signal.aborted) {
        this.logger.error({ err: error, runId: run.id }, "evaluation run failed");
        await this.finish(run, "failed", (error as Error).message).catch(() => undefined);
      }
    } finally {
      this.running.delete(run.id);
    }
  }

  /** Runs what is left of the run; answers why it stopped early, if it did. */
  private async runItems(
    run: EvaluationRunRecord,
    keyId: string,
    signal: AbortSignal,
  ): Promise<string | null> {
    const config = runConfig(run.config);
    const done = new Set(await this.store.resultPositions(run.id));
    let spent = (await this.store.totals(run.id)).costUsd;
    let after = -1;
    for (;;) {
      const items = await this.store.listDatasetItems(run.datasetId, PAGE, after);
      if (items.length === 0) return null;
      after = items.at(-1)?.position ?? after;
      const todo = items.filter((item) => !done.has(item.position));
      let next = 0;
      let capped = false;
      const worker = async () => {
        while (next < todo.length && !signal.aborted) {
          if (config.maxCostUsd !== null && spent >= config.maxCostUsd) {
            capped = true;
            return;
          }
          const item = todo[next++];
          if (item === undefined) return;
          spent += await this.runItem(run, keyId, config, item, signal);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, config.concurrency) }, worker));
      if (capped) return "max_cost_usd";
      if (signal.aborted) return null;
    }
  }

  /** One item: its answer, scores and result row; answers what it cost. */
  private async runItem(
    run: EvaluationRunRecord,
    keyId: string,
    config: EvaluationConfig,
    item: {
      id: string;
      position: number;
      input: { messages?: ChatMessage[]; inputs?: Record<string, unknown> };
      expected: unknown;
    },
    signal: AbortSignal,
  ): Promise<number> {
    const key = this.snapshot.keyById(keyId);
    if (key === undefined) throw new Error("the key that created the run no longer exists");
    const context = backgroundContext(this.services, {
      id: `${run.id}.${item.position}`,
      purpose: "evaluation",
      key,
      timeoutMs: ITEM_TIMEOUT_MS,
    });
    const onAbort = () => context.abort.abort(new Error("evaluation cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    let output: string | null = null;
    let cost = 0;
    const metadata: Record<string, unknown> = {};
    let failed = false;
    const scores: Array<number | null> = [];
    try {
      const body = this.itemBody(run, item.input);
      const answer = await generateInternallyFrom(context, body, {
        purpose: "evaluation",
        timeoutMs: ITEM_TIMEOUT_MS,
      });
      output = answerText(answer.response);
      cost =
        this.services.prices.cost(answer.provider, answer.model, answer.response.usage ?? emptyUsage) ?? 0;
      metadata.provider = answer.provider;
      metadata.model = answer.model;
      const perScorer: Record<string, number | null> = {};
      for (const scorer of config.scorers) {
        let score: number | null;
        if (scorer === "judge") {
          const judged = await this.judge(context, config, body, output, item.expected);
          score = judged.score;
          cost += judged.cost;
        } else {
          score = localScore(scorer, output, item.expected);
        }
        perScorer[scorer] = score;
        scores.push(score);
      }
      metadata.scores = perScorer;
    } catch (error) {
      if (signal.aborted) return 0;
      failed = true;
      metadata.error = (error as Error).message;
    } finally {
      signal.removeEventListener("abort", onAbort);
      context.deadline.clear();
    }
    await this.store.insertResult({
      runId: run.id,
      position: item.position,
      inputId: item.id,
      output,
      score: failed ? null : itemScore(scores),
      costUsd: cost,
      failed,
      metadata,
      createdAt: new Date(),
    });
    return cost;
  }

  private itemBody(
    run: EvaluationRunRecord,
    input: { messages?: ChatMessage[]; inputs?: Record<string, unknown> },
  ) {
    const body: Record<string, unknown> = { model: run.model, messages: input.messages ?? [] };
    if (run.promptId === null) return body;
    const prompt = this.snapshot.current.prompts.get(run.promptId);
    const version = prompt?.versions.get(prompt.prompt.latestVersion);
    if (prompt === undefined || version === undefined || prompt.prompt.orgId !== run.orgId) {
      throw new Error(`the prompt '${run.promptId}' no longer exists`);
    }
    const messages = fillMessages(version.messages, input.inputs ?? {}, version.defaults);
    return mergePrompt("openai-chat", body, messages, version.model);
  }

  private async judge(
    context: ReturnType<typeof backgroundContext>,
    config: EvaluationConfig,
    body: Record<string, unknown>,
    output: string,
    expected: unknown,
  ): Promise<{ score: number | null; cost: number }> {
    if (config.judgeModel === null) return { score: null, cost: 0 };
    const request = JSON.stringify(body.messages ?? []);
    const judged = await generateInternallyFrom(
      context,
      {
        model: config.judgeModel,
        temperature: 0,
        max_tokens: 8,
        messages: [{ role: "user", content: judgePrompt(request, output, expected) }],
      },
      { purpose: "evaluation_judge", timeoutMs: ITEM_TIMEOUT_MS },
    );
    const cost =
      this.services.prices.cost(judged.provider, judged.model, judged.response.usage ?? emptyUsage) ?? 0;
    return { score: judgeScore(answerText(judged.response)), cost };
  }

  private async finish(
    run: EvaluationRunRecord,
    status: "completed" | "failed",
    error: string | null,
    stopped: string | null = null,
  ): Promise<void> {
    const totals = await this.store.totals(run.id);
    await this.store.updateRun(run.id, ["pending", "running"], {
      status,
      error,
      owner: null,
      finishedAt: new Date(),
      summary: {
        mean_score: totals.scored === 0 ? null : totals.scoreSum / totals.scored,
        items: totals.items,
        scored: totals.scored,
        failed: totals.failed,
        cost_usd: totals.costUsd,
        ...(stopped === null ? {} : { stopped }),
      },
    });
  }
}

function answerText(response: {
  choices: Array<{ content: Array<{ type: string; text?: string }> }>;
}): string {
  const choice = response.choices[0];
  if (!choice) return "";
  return choice.content
    .filter((part) => part.type === "text")
    .map((part) => part.text ?? "")
    .join("");
}
