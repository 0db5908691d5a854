/**
 * How far V8 lets the old generation grow past what survived its last full collection, for
 * `floopy serve`. V8's own factor reaches 4× on a small heap that it collects quickly: with a
 * live heap of ~30 MiB the gateway then peaks near 270 MiB resident under 64 connections, almost
 * all of it garbage waiting for a collection. 2× keeps the peak under 200 MiB at no CPU cost the
 * benchmark can tell from noise; 1.5× cost ~14 % more CPU per request (bench/RESULTS.md).
 * The flag is set at run time because `npm start`, the `floopy` bin and an installed package all
 * start the same code without a say in Node's command line; V8 reads it at every collection.
 */
import { setFlagsFromString } from "node:v8";

export const HEAP_GROWING_PERCENT = 100;
const FLAG = "--heap-growing-percent";

/** The flag to set, or null when the operator chose one on Node's command line. */
export function heapGrowthFlag(execArgv: readonly string[]): string | null {
  // V8 reads `_` and `-` alike in flag names.
  const chosen = execArgv
    .map((argument) => argument.replaceAll("_", "-"))
    .some((argument) => argument === FLAG || argument.startsWith(`${FLAG}=`));
  return chosen ? null : `${FLAG}=${HEAP_GROWING_PERCENT}`;
}

export function tuneHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag !== null) setFlagsFromString(flag);
}
