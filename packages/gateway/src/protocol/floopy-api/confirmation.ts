/**
 * Writes that change live routing need `X-Floopy-Confirm: <resource>` (INTERFACE.md); without it
 * the call is `400 confirmation_required` and nothing changes. One check for the admin API and
 * the own API alike.
 */
import { GatewayError } from "../../errors/gateway-error.js";

export function requireConfirmationHeader(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  resource: string,
  what: string,
): void {
  if (headers["x-floopy-confirm"] !== resource) {
    throw new GatewayError(
      "confirmation_required",
      `Changing ${what} changes live routing: send the header 'X-Floopy-Confirm: ${resource}' to confirm.`,
      { param: "X-Floopy-Confirm" },
    );
  }
}
