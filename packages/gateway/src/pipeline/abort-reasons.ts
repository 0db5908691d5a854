/** Why a request's abort signal fired: the caller went away, or its deadline passed. */
import { GatewayError } from "../errors/gateway-error.js";

/** Status recorded for requests whose caller disconnected (nginx's convention; never sent). */
export const CLIENT_CLOSED_REQUEST = 499;

export function clientGoneError(): GatewayError {
  return new GatewayError("BAD_REQUEST", "The client closed the connection before the response finished.", {
    status: CLIENT_CLOSED_REQUEST,
    wireCode: "client_closed_request",
  });
}

export function deadlineError(deadlineMs: number): GatewayError {
  return new GatewayError(
    "GATEWAY_TIMEOUT",
    `The request did not complete within its deadline of ${deadlineMs} ms.`,
  );
}
