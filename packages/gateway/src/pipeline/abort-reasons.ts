/** Why a request's abort signal fired: the caller went away, or its deadline passed. */
import { errorCodes } from "../errors/error-codes.js";
import { GatewayError } from "../errors/gateway-error.js";

/** Status recorded for requests whose caller disconnected (nginx's convention; never sent). */
export const CLIENT_CLOSED_REQUEST = errorCodes.CLIENT_CLOSED_REQUEST.status;

export function clientGoneError(): GatewayError {
  return new GatewayError(
    "CLIENT_CLOSED_REQUEST",
    "The client closed the connection before the response finished.",
    { wireCode: "client_closed_request" },
  );
}

export function deadlineError(deadlineMs: number): GatewayError {
  return new GatewayError(
    "GATEWAY_TIMEOUT",
    `The request did not complete within its deadline of ${deadlineMs} ms.`,
  );
}
