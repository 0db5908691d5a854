/** Temporary: a codec whose protocol is still being written answers a clear 404. */
import { GatewayError } from "../errors/gateway-error.js";
import { renderChatError } from "./openai-chat/errors.js";

export function notYetAvailable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === "renderError") return renderChatError;
      return () => {
        throw new GatewayError("NOT_FOUND", `The ${name} protocol is not available in this build yet.`);
      };
    },
  });
}
