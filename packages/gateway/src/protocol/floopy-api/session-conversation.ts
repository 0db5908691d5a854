/**
 * A session's conversation from its turns (`GET /v1/session/{id}`): the messages as the last turn
 * saw them, then its answer, without repeats. A caller that resends the whole history each turn
 * makes every turn start with the conversation so far; one that sends only the new message makes
 * each turn continue it. Both are read the same way: a turn's messages that overlap the end of the
 * conversation so far are not added again.
 */

/** An OpenAI chat message, as much of it as telling two apart needs. */
export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
  [field: string]: unknown;
}

export function sessionConversation(turns: readonly (readonly ChatMessage[])[]): ChatMessage[] {
  let conversation: ChatMessage[] = [];
  let keys: string[] = [];
  for (const turn of turns) {
    const turnKeys = turn.map(messageKey);
    if (startsWith(turnKeys, keys)) {
      conversation = [...turn];
      keys = turnKeys;
      continue;
    }
    const overlap = longestOverlap(keys, turnKeys);
    conversation = [...conversation, ...turn.slice(overlap)];
    keys = [...keys, ...turnKeys.slice(overlap)];
  }
  return conversation;
}

/** What makes two messages the same turn of talk, whichever side wrote them (an answer as the gateway encoded it, or as the caller sent it back). */
function messageKey(message: ChatMessage): string {
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((call: { function?: { name?: unknown; arguments?: unknown } }) => [
        call.function?.name,
        call.function?.arguments,
      ])
    : [];
  return JSON.stringify([
    message.role,
    contentText(message.content),
    toolCalls,
    message.tool_call_id ?? null,
  ]);
}

function contentText(content: unknown): unknown {
  if (!Array.isArray(content)) return content ?? "";
  // A content array of text parts says the same as the string they join into.
  if (content.every((part) => part?.type === "text")) return content.map((part) => part.text).join("");
  return content;
}

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= list.length && prefix.every((key, index) => list[index] === key);
}

/** The largest k such that the last k of `before` are the first k of `after`. */
function longestOverlap(before: readonly string[], after: readonly string[]): number {
  for (let size = Math.min(before.length, after.length); size > 0; size--) {
    let same = true;
    for (let index = 0; index < size && same; index++) {
      same = before[before.length - size + index] === after[index];
    }
    if (same) return size;
  }
  return 0;
}
