/**
 * A rough token estimate (about four characters a token for English text), used only when an
 * upstream reports no usage — records label such usage `estimate`.
 */
export function estimateTokens(characters: number): number {
  return characters <= 0 ? 0 : Math.ceil(characters / 4);
}

/** Characters of prompt text in a request body of any supported protocol. */
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
      else if (record.parts !== undefined) visit(record.parts);
    }
  };
  // OpenAI chat / embeddings / Responses, Anthropic and Gemini keep the prompt under these names.
  for (const key of ["messages", "input", "contents", "system", "systemInstruction", "instructions"]) {
    visit(body[key]);
  }
  return total;
}
