/**
 * Human-readable log output, for a terminal or `FLOOPY_LOG_FORMAT=pretty`. pino still makes the
 * (redacted) JSON line; this destination reads it back and prints it with pino-pretty. The access
 * line and the upstream failure line become one compact sentence each instead of a dump of their
 * fields, which is what an operator scans for:
 *
 *   [12:00:01.234] INFO: 200 POST /v1/chat/completions gpt-4o-mini openai 123ms ttft 45ms 12/34 tok $0.000042 key=prod-app req=…
 *   [12:00:01.230] WARN: openai/gpt-4o failed: http_5xx 500 (attempt 1, 8ms) → falling back to backup/backup-model req=…
 *
 * Parsing every line again costs CPU; a human reading a terminal does not need the request path's
 * throughput, and JSON (the default off a terminal) skips this module entirely.
 */

import type { DestinationStream } from "pino";
import pinoPretty from "pino-pretty";
import { ACCESS_MESSAGE } from "./access-line.js";
import { UPSTREAM_FAILURE_MESSAGE } from "./upstream-warning.js";

type Line = Record<string, unknown>;

export function prettyOutput(options: {
  colorize: boolean;
  destination: DestinationStream;
}): DestinationStream {
  const prettify = pinoPretty.prettyFactory({
    colorize: options.colorize,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "service",
    singleLine: true,
  });
  const out = options.destination;
  return {
    write(text: string): void {
      let log: Line;
      try {
        log = JSON.parse(text) as Line;
      } catch {
        out.write(text);
        return;
      }
      const sentence = compactSentence(log);
      out.write(prettify(sentence === null ? log : { level: log.level, time: log.time, msg: sentence }));
    },
  };
}

/** The one-line form of an access line or an upstream failure line; null for any other line. */
export function compactSentence(log: Line): string | null {
  if (log.msg === ACCESS_MESSAGE && typeof log.requestId === "string") return accessSentence(log);
  if (log.msg === UPSTREAM_FAILURE_MESSAGE) return upstreamSentence(log);
  return null;
}

function accessSentence(log: Line): string {
  const parts = [String(log.status), `${text(log.method)} ${text(log.path)}`];
  const requested = log.modelRequested;
  const served = log.modelServed;
  if (typeof requested === "string" || typeof served === "string") {
    // `openai/gpt-4o` served as `gpt-4o` by openai is the same model: no arrow for it.
    const same =
      typeof served !== "string" || served === requested || requested === `${text(log.provider)}/${served}`;
    parts.push(same ? text(requested) : `${text(requested)}→${served}`);
  }
  if (typeof log.provider === "string") parts.push(log.provider);
  parts.push(milliseconds(log.latencyMs));
  if (typeof log.ttftMs === "number") parts.push(`ttft ${milliseconds(log.ttftMs)}`);
  if (typeof log.inputTokens === "number" && typeof log.outputTokens === "number") {
    // `~`: the counts are the gateway's estimate, not the provider's.
    const estimated = log.usageSource === "estimate" ? "~" : "";
    parts.push(`${estimated}${log.inputTokens}/${log.outputTokens} tok`);
  }
  if (typeof log.costUsd === "number") parts.push(usd(log.costUsd));
  const attempts = typeof log.attempts === "number" ? log.attempts : 0;
  if (log.fallbackUsed === true) parts.push(`fallback (${attempts} attempts)`);
  else if (attempts > 1) parts.push(`${attempts} attempts`);
  if (typeof log.errorCode === "string") parts.push(`error=${log.errorCode}`);
  parts.push(`key=${typeof log.keyName === "string" ? log.keyName : "-"}`, `req=${log.requestId}`);
  return parts.join(" ");
}

function upstreamSentence(log: Line): string {
  const status = typeof log.status === "number" ? ` ${log.status}` : "";
  const latency = typeof log.latencyMs === "number" ? `, ${milliseconds(log.latencyMs)}` : "";
  let next: string;
  if (log.next === "retry") next = `retrying in ${milliseconds(log.retryInMs)}`;
  else if (log.next === "fallback") next = `falling back to ${text(log.fallbackTo)}`;
  else next = "giving up";
  return (
    `${text(log.provider)}/${text(log.model)} failed: ${text(log.errorClass)}${status}` +
    ` (attempt ${text(log.attempt)}${latency}) → ${next} req=${text(log.requestId)}`
  );
}

function text(value: unknown): string {
  return value === null || value === undefined ? "-" : String(value);
}

function milliseconds(value: unknown): string {
  return typeof value === "number" ? `${Math.round(value)}ms` : "-";
}

function usd(value: number): string {
  // Most requests cost fractions of a cent: six decimals keep them readable, not `$0.00`.
  return `$${value >= 0.01 ? value.toFixed(4) : value.toFixed(6)}`;
}
