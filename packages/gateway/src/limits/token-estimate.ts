/**
 * A rough token estimate (about four characters a token for English text), used only when an
 * upstream reports no usage — records label such usage `estimate`.
 */
export function estimateTokens(characters: number): number {
  return characters <= 0 ? 0 : Math.ceil(characters / 4);
}

/** Characters of text in an OpenAI-style messages array or embeddings input. */
export function promptCharacters(body: Record<string, unknown> | undefined): number {
  if (!body) return 0;
  let total = 0;
  const visit = (value: unknown): void => {
    if (typeof value === "string") total += value.length;
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.text === "string") total += record.text.length;
      else if (record.content !== undefined) visit(record.content);
    }
  };
  visit(body.messages ?? body.input);
  return total;
}
