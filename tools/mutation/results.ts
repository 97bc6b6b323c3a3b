/**
 * bench/results/mutation.json: one entry per area, updated by each run (areas not run keep their last entry,
 * or say `not_run`). Counts follow Stryker's: `killed` includes timeouts, `score` = killed / (killed +
 * survived + no_coverage) in percent; compile errors and equivalent mutants are outside the score.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface AreaResult {
  kind: "solidity" | "typescript";
  mutants: number;
  killed: number;
  survived: number;
  no_coverage: number;
  equivalent: number;
  compile_errors: number;
  timeouts: number;
  score: number;
  seconds: number;
  /** Human report of this run. */
  report: string;
  ran_at: string;
  note?: string;
  /** Set when not every mutant of the area was tested: how many were, of how many selected, and the filter. */
  partial?: { tested: number; of: number; filter: string | null };
}

export interface MutationResults {
  description: string;
  machine: { cpus: number; note: string };
  areas: Record<string, AreaResult | { not_run: true; estimate?: string }>;
}

export function score(killed: number, survived: number, noCoverage: number): number {
  const valid = killed + survived + noCoverage;
  return valid === 0 ? 100 : Math.round((1000 * killed) / valid) / 10;
}

export function updateResults(root: string, area: string, result: AreaResult, allAreas: string[]): string {
  const file = path.join(root, "bench", "results", "mutation.json");
  const current: MutationResults = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as MutationResults)
    : { description: "", machine: { cpus: 0, note: "" }, areas: {} };
  current.description =
    "npm run test:mutation: per area, mutants and their outcome (killed includes timeouts; score = killed / (killed + survived + no_coverage), %; compile errors and documented equivalent mutants are outside the score). See docs/development.md.";
  current.machine = { cpus: os.cpus().length, note: "shared with other jobs; seconds are wall time" };
  current.areas[area] = result;
  for (const a of allAreas) current.areas[a] ??= { not_run: true };
  const ordered: MutationResults["areas"] = {};
  for (const a of allAreas) ordered[a] = current.areas[a];
  current.areas = ordered;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(current, null, 2) + "\n");
  return file;
}
