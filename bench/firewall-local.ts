/**
 * What the firewall's local tier costs per request (issue 13): `screenText` over clean prompts
 * of three sizes, PII detection off and on (redact), median and p99 of many calls after warm-up.
 * A clean prompt is the common case and the worst one: every pattern runs to the end of the text.
 *
 *   npm run bench:firewall
 */
import { performance } from "node:perf_hooks";
import { screenText } from "../packages/gateway/src/firewall/local-screen.js";

const sentence =
  "Our quarterly report shows revenue grew in the northern region, while support tickets fell after the new onboarding flow shipped. ";
const prompts = {
  "200 B": sentence.repeat(2).slice(0, 200),
  "4 KiB": sentence.repeat(40).slice(0, 4096),
  "32 KiB": sentence.repeat(320).slice(0, 32768),
};

function measure(text: string, pii: "off" | "redact"): { median: number; p99: number } {
  const iterations = text.length > 10_000 ? 2_000 : 20_000;
  for (let index = 0; index < 1_000; index++) screenText(text, { pii });
  const samples = new Float64Array(iterations);
  for (let index = 0; index < iterations; index++) {
    const started = performance.now();
    const verdict = screenText(text, { pii });
    samples[index] = performance.now() - started;
    if (verdict.action !== "allow") throw new Error("a clean prompt was flagged");
  }
  samples.sort();
  return {
    median: (samples[Math.floor(iterations / 2)] ?? 0) * 1000,
    p99: (samples[Math.floor(iterations * 0.99)] ?? 0) * 1000,
  };
}

const lines = ["| prompt | pii | median (µs) | p99 (µs) |", "|---|---|---|---|"];
for (const [size, text] of Object.entries(prompts)) {
  for (const pii of ["off", "redact"] as const) {
    const { median, p99 } = measure(text, pii);
    lines.push(`| ${size} | ${pii} | ${median.toFixed(1)} | ${p99.toFixed(1)} |`);
  }
}
process.stdout.write(`node ${process.version}\n\n${lines.join("\n")}\n`);
