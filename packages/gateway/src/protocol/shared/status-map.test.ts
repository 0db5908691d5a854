import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import { renderError } from "../render-error.js";

const upstream = (status: number) =>
  new GatewayError("PROVIDER_ERROR", "upstream failed", { status, wireCode: null });

describe("upstream statuses in the caller's protocol", () => {
  it("gives an Anthropic 529 overload to a Gemini caller as 503 UNAVAILABLE", () => {
    const rendered = renderError("gemini", upstream(529));
    expect(rendered.status).toBe(503);
    expect(rendered.body).toEqual({
      error: { code: 503, message: "upstream failed", status: "UNAVAILABLE" },
    });
  });

  it("gives an overload to an OpenAI caller as 503 and to an Anthropic caller as 529 overloaded_error", () => {
    expect(renderError("openai-chat", upstream(529)).status).toBe(503);
    const anthropic = renderError("anthropic-messages", upstream(503));
    expect(anthropic.status).toBe(529);
    expect(anthropic.body).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  it("keeps statuses every protocol shares, with that protocol's name", () => {
    for (const [status, anthropicType, googleStatus] of [
      [400, "invalid_request_error", "INVALID_ARGUMENT"],
      [401, "authentication_error", "UNAUTHENTICATED"],
      [404, "not_found_error", "NOT_FOUND"],
      [429, "rate_limit_error", "RESOURCE_EXHAUSTED"],
      [500, "api_error", "INTERNAL"],
      [504, "timeout_error", "DEADLINE_EXCEEDED"],
    ] as const) {
      expect(renderError("openai-chat", upstream(status)).status).toBe(status);
      const anthropic = renderError("anthropic-messages", upstream(status));
      expect(anthropic).toMatchObject({ status, body: { error: { type: anthropicType } } });
      const gemini = renderError("gemini-embeddings", upstream(status));
      expect(gemini).toMatchObject({ status, body: { error: { code: status, status: googleStatus } } });
    }
  });

  it("generalises statuses a protocol does not know, and OpenAI keeps them", () => {
    expect(renderError("openai-chat", upstream(520)).status).toBe(520);
    expect(renderError("anthropic-messages", upstream(520))).toMatchObject({
      status: 500,
      body: { error: { type: "api_error" } },
    });
    expect(renderError("gemini", upstream(418))).toMatchObject({
      status: 400,
      body: { error: { status: "FAILED_PRECONDITION" } },
    });
    expect(renderError("gemini", upstream(422)).status).toBe(400);
  });

  it("renders Floopy's own API errors with their lower-case code and plain status", () => {
    const rendered = renderError("floopy-api", new GatewayError("not_found", "No such decision."));
    expect(rendered).toEqual({
      status: 404,
      body: { error: { code: "not_found", message: "No such decision." } },
    });
  });
});
