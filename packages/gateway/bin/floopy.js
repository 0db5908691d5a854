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
  process.setSourceMapsEnabled(true);
  await import("../dist/floopy.mjs");
}
