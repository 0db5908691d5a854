/**
 * A whole answer and its stream, one into the other: what lets a cached answer serve a request
 * of the other kind. A stored JSON answer replays as a well-formed stream of canonical events
 * (encoded by the caller's stream encoder), and a stream that ran to its end folds into the
 * answer it amounted to. Pure.
 */
import type {
  Choice,
  ContentPart,
  FinishReason,
  GenerateResponse,
  StreamEvent,
  Usage,
} from "../canonical/types.js";

/** The events a stream of `response` would have carried, in the order encoders expect. */
export function responseToEvents(response: GenerateResponse): StreamEvent[] {
  const events: StreamEvent[] = [
    { type: "response-start", id: response.id, model: response.model, created: response.created },
  ];
  for (const choice of response.choices) {
    let toolIndex = 0;
    for (const part of choice.content) {
      switch (part.type) {
        case "text":
          if (part.text !== "") events.push({ type: "text-delta", index: choice.index, text: part.text });
          break;
        case "thinking":
          events.push({
            type: "thinking-delta",
            index: choice.index,
            text: part.text,
            ...(part.signature === undefined ? {} : { signature: part.signature }),
          });
          break;
        case "tool-call": {
          const index = toolIndex++;
          events.push({
            type: "tool-call-start",
            index: choice.index,
            toolIndex: index,
            id: part.id,
            name: part.name,
          });
          if (part.arguments !== "") {
            events.push({
              type: "tool-call-delta",
              index: choice.index,
              toolIndex: index,
              argumentsDelta: part.arguments,
            });
          }
          events.push({ type: "tool-call-end", index: choice.index, toolIndex: index });
          break;
        }
        default:
          // Images and tool results are never part of an answer.
          break;
      }
    }
    events.push({
      type: "finish",
      index: choice.index,
      finishReason: choice.finishReason ?? "stop",
      rawFinishReason: choice.rawFinishReason,
    });
  }
  if (response.usage) events.push({ type: "usage", usage: response.usage });
  return events;
}

interface ChoiceDraft {
  content: ContentPart[];
  finishReason: FinishReason | null;
  rawFinishReason: string | null;
  /** Tool index → its part, for argument deltas. */
  tools: Map<number, Extract<ContentPart, { type: "tool-call" }>>;
}

/**
 * The answer a stream amounted to, or null when it did not end well: an in-band error, or a
 * choice that never finished (a truncated stream is never an answer worth keeping).
 */
export function eventsToResponse(
  events: readonly StreamEvent[],
  defaults: { id: string; model: string; created: number },
): GenerateResponse | null {
  let id = defaults.id;
  let model = defaults.model;
  let created = defaults.created;
  let usage: Usage | null = null;
  const drafts = new Map<number, ChoiceDraft>();
  const draft = (index: number): ChoiceDraft => {
    let found = drafts.get(index);
    if (!found) {
      found = { content: [], finishReason: null, rawFinishReason: null, tools: new Map() };
      drafts.set(index, found);
    }
    return found;
  };
  for (const event of events) {
    switch (event.type) {
      case "response-start":
        if (event.id !== "") id = event.id;
        if (event.model !== "") model = event.model;
        if (event.created !== 0) created = event.created;
        break;
      case "text-delta": {
        const content = draft(event.index).content;
        const last = content.at(-1);
        if (last?.type === "text") last.text += event.text;
        else content.push({ type: "text", text: event.text });
        break;
      }
      case "thinking-delta": {
        const content = draft(event.index).content;
        const last = content.at(-1);
        const part = last?.type === "thinking" && last.signature === undefined ? last : undefined;
        if (part) part.text += event.text;
        if (!part) content.push({ type: "thinking", text: event.text });
        if (event.signature !== undefined) {
          const thinking = content.at(-1);
          if (thinking?.type === "thinking") thinking.signature = event.signature;
        }
        break;
      }
      case "tool-call-start": {
        const choice = draft(event.index);
        const part = { type: "tool-call" as const, id: event.id, name: event.name, arguments: "" };
        choice.tools.set(event.toolIndex, part);
        choice.content.push(part);
        break;
      }
      case "tool-call-delta": {
        const part = draft(event.index).tools.get(event.toolIndex);
        if (part) part.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end":
        break;
      case "finish": {
        const choice = draft(event.index);
        choice.finishReason = event.finishReason;
        choice.rawFinishReason = event.rawFinishReason;
        break;
      }
      case "usage":
        usage = event.usage;
        break;
      case "error":
        return null;
      default:
        break;
    }
  }
  if (drafts.size === 0) return null;
  const choices: Choice[] = [];
  for (const [index, choice] of [...drafts].sort(([a], [b]) => a - b)) {
    if (choice.finishReason === null) return null;
    choices.push({
      index,
      content: choice.content,
      finishReason: choice.finishReason,
      rawFinishReason: choice.rawFinishReason,
    });
  }
  return { id, model, created, choices, usage };
}
