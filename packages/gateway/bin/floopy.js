#!/usr/bin/env node
// The `floopy` command. The gateway ships as TypeScript source run through tsx's loader, so a
// clone needs no build step and the code that runs is always the code in the tree.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
