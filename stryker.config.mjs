// StrykerJS over the relayer's decision and money code and synthesis/, one area per run:
// `npm run test:mutation -- <area>` (tools/mutation/main.ts sets MUTATION_AREA). The areas are in
// tools/mutation/ts-areas.json; docs/development.md ("Mutation testing") explains them.
import fs from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const areas = JSON.parse(fs.readFileSync(new URL("./tools/mutation/ts-areas.json", import.meta.url), "utf8"));
const name = process.env.MUTATION_AREA;
if (!name || !areas[name]) {
  throw new Error(`stryker.config.mjs: set MUTATION_AREA to one of ${Object.keys(areas).join(", ")} (npm run test:mutation -- <area> does)`);
}
const area = areas[name];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "mocha",
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.mutation.json",
  // Type errors of a mutant are found by the checker; the test runs themselves transpile only.
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: area.mutate,
  mochaOptions: {
    spec: area.tests,
    require: ["ts-node/register/transpile-only"],
    // Only these specs: never the unit or e2e suites' .mocharc files.
    "no-config": true,
  },
  coverageAnalysis: "perTest",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: `reports/mutation/${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${name}/mutation.json` },
  // The sandbox and its copies stay inside the worktree (gitignored), never the e2e suite's directories.
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  ignorePatterns: ["dist", ".devnet", "reports", ".mutation-tmp", "coverage", "packages", "examples", "bench/results", "test/e2e", "cache"],
  concurrency: 2,
  timeoutMS: 10000,
};
