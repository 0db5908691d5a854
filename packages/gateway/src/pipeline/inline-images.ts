/**
 * Gemini takes images only as inline bytes: before a translated request goes to it, images the
 * caller gave by http(s) URL are fetched (through the SSRF-guarded ImageFetcher) and inlined into
 * the canonical request. Providers that accept URLs (OpenAI, Anthropic) get the URL untouched.
 */
import type { ImagePart } from "../canonical/types.js";
import { isPassThrough } from "../protocol/protocols.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import { canonicalRequest } from "./canonical-request.js";
import type { RequestContext } from "./request-context.js";

/** Whether a request to this target may need images inlined: a cheap check, kept off the await path. */
export function mayNeedInlineImages(context: RequestContext, target: ResolvedModel): boolean {
  const protocol = target.provider.declaration.protocol;
  return (
    protocol === "gemini" &&
    !isPassThrough(context.protocol, protocol) &&
    (context.operation === "generate" || context.operation === "stream_generate")
  );
}

export async function inlineRemoteImages(context: RequestContext, target: ResolvedModel): Promise<void> {
  if (!mayNeedInlineImages(context, target)) return;
  const remote: ImagePart[] = [];
  for (const message of canonicalRequest(context).messages) {
    for (const part of message.content) {
      if (part.type === "image" && part.source.kind === "url" && /^https?:/i.test(part.source.url)) {
        remote.push(part);
      } else if (part.type === "tool-result" && Array.isArray(part.content)) {
        for (const inner of part.content) {
          if (inner.type === "image" && inner.source.kind === "url" && /^https?:/i.test(inner.source.url)) {
            remote.push(inner);
          }
        }
      }
    }
  }
  // Fetched concurrently; the canonical request is shared by later attempts, so this happens once.
  await Promise.all(
    remote.map(async (part) => {
      if (part.source.kind !== "url") return;
      const image = await context.services.images.fetch(part.source.url, context.abort.signal);
      part.source = { kind: "base64", mediaType: image.mediaType, data: image.data };
    }),
  );
}
