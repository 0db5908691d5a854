#!/usr/bin/env node
// The `floopy` command. In a clone it runs the TypeScript sources through tsx's loader, so there
// is no build step to forget and the code that runs is the code in the tree. An installed package
// holds no sources: it runs the bundle built when the package was packed (`prepack`), and needs
// neither tsx nor a build.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  // Source maps stay off unless asked for (NODE_OPTIONS=--enable-source-maps): the first stack
  // trace (any socket reset is one) makes Node parse the bundle's map, which keeps ~12 MiB of
  // heap alive and lets V8 grow the old generation by several times that under load. The bundle
  // is not minified, so its stack traces read well enough without.
  await import("../dist/floopy.mjs");
}
