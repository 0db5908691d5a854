/**
 * One attempt at one target during dispatch: what a `502 PROVIDER_ERROR` lists, and what a
 * request record keeps. Defined here, at the bottom of the rooms, so errors and the stores share
 * one shape.
 */
export interface AttemptRecord {
  provider: string;
  model: string;
  status: number | null;
  errorClass: string | null;
  latencyMs: number;
}
