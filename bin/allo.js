#!/usr/bin/env node
// `npx allo` / `npm run allo --`: runs the compiled CLI (dist/cli/main.js, built by `npm ci` via
// `prepare`, or `npm run build:relayer`) when it is at least as new as the sources, else the TypeScript
// sources through ts-node (a dev checkout with edits not built yet).
"use strict";
/* global __dirname, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS shim run by node directly */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const built = path.join(root, "dist", "cli", "main.js");
const source = path.join(root, "cli", "main.ts");

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

const useBuilt =
  fs.existsSync(built) &&
  (process.env.ALLO_CLI_FROM_SOURCE !== "1") &&
  (!fs.existsSync(source) || fs.statSync(built).mtimeMs >= newestSource(path.dirname(source)));

if (!useBuilt) require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
const { main } = require(useBuilt ? built : source);
main(process.argv).then((code) => process.exit(code));
