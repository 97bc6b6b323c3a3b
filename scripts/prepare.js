// `npm ci` / `npm install` run `prepare`: build the relayer (dist/) and compile the contracts. `npx allo` also runs
// it, when npm links this project into its npx cache (npm_command=exec); by then `npm ci` has built everything,
// and building again would make the first `npx allo` wait ~1.5 minutes for nothing.
"use strict";
/* global process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script run by node directly */
const { execSync } = require("node:child_process");
if (process.env.npm_command === "exec") process.exit(0);
/* global __dirname */
const path = require("node:path");
// npm puts node_modules/.bin on PATH for scripts; so does this, for `node scripts/prepare.js` run by hand.
const bin = path.join(__dirname, "..", "node_modules", ".bin");
execSync("npm run -s build:relayer && hardhat compile --quiet", {
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
});
