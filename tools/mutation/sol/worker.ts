/**
 * One mutation worker: a long-lived process in its sandbox (cwd) holding one Hardhat runtime, so a mutant
 * costs an incremental compile plus its test files, not a Hardhat start-up (several seconds) each.
 *
 * Protocol (IPC, see run.ts): receives {kind:"job", id, file, source|null, tests, timeoutMs}; writes `source`
 * to `file` (null: the original, i.e. the baseline), compiles, runs the test files with mocha (bail: the
 * first failing test kills the mutant), replies {kind:"result", id, status, ms, detail}.
 *
 * Between mutants the Hardhat network is reset, loadFixture's snapshots are dropped and the test files are
 * re-required: a fixture snapshot taken with the previous mutant's bytecode must never be restored.
 */
import fs from "node:fs";
import path from "node:path";
import Mocha from "mocha";

export type JobStatus = "killed" | "survived" | "compile_error" | "baseline_failed";

export interface Job {
  kind: "job";
  id: string;
  file: string;
  source: string | null;
  tests: string[];
  timeoutMs: number;
}

export interface JobResult {
  kind: "result";
  id: string;
  status: JobStatus;
  ms: number;
  detail?: string;
}

const sandbox = process.cwd();
const originals = new Map<string, string>();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hre = require("hardhat") as typeof import("hardhat");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helpers = require("@nomicfoundation/hardhat-network-helpers") as { clearSnapshots(): void };

/** A mocha reporter that only remembers the first failure (the worker's stdout stays quiet). */
function firstFailureReporter(holder: { first?: string }) {
  return class {
    constructor(runner: Mocha.Runner) {
      runner.on("fail", (test: Mocha.Test, err: Error) => {
        holder.first ??= `${test.fullTitle()}: ${String(err?.message ?? err).split("\n")[0].slice(0, 200)}`;
      });
    }
  };
}

async function runTests(tests: string[], timeoutMs: number): Promise<{ failures: number; first?: string }> {
  await hre.network.provider.request({ method: "hardhat_reset", params: [] });
  helpers.clearSnapshots();
  const testRoot = path.join(sandbox, "test") + path.sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(testRoot)) delete require.cache[key];
  const holder: { first?: string } = {};
  const mocha = new Mocha({ timeout: timeoutMs, bail: true, reporter: firstFailureReporter(holder) as unknown as string });
  for (const t of tests) mocha.addFile(path.join(sandbox, t));
  await mocha.loadFilesAsync();
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  mocha.dispose();
  return { failures, first: holder.first };
}

async function handle(job: Job): Promise<JobResult> {
  const started = Date.now();
  const target = path.join(sandbox, job.file);
  if (!originals.has(job.file)) originals.set(job.file, fs.readFileSync(target, "utf8"));
  fs.writeFileSync(target, job.source ?? originals.get(job.file)!);
  try {
    await hre.run("compile", { quiet: true });
  } catch (e) {
    const msg = String((e as Error).message ?? e).split("\n").find((l) => l.trim()) ?? "";
    if (job.source === null) return { kind: "result", id: job.id, status: "baseline_failed", ms: Date.now() - started, detail: `compile: ${msg}` };
    return { kind: "result", id: job.id, status: "compile_error", ms: Date.now() - started, detail: msg.slice(0, 200) };
  }
  let outcome: { failures: number; first?: string };
  try {
    outcome = await runTests(job.tests, job.timeoutMs);
  } catch (e) {
    // A test file that throws while loading (e.g. a deploy in a top-level before()) still means the tests failed.
    outcome = { failures: 1, first: `load: ${String((e as Error).message ?? e).split("\n")[0]}` };
  }
  const status: JobStatus = outcome.failures > 0 ? (job.source === null ? "baseline_failed" : "killed") : "survived";
  return { kind: "result", id: job.id, status, ms: Date.now() - started, detail: outcome.first };
}

let queue = Promise.resolve();
process.on("message", (msg: Job | { kind: "restore" }) => {
  queue = queue.then(async () => {
    if (msg.kind === "restore") {
      for (const [file, src] of originals) fs.writeFileSync(path.join(sandbox, file), src);
      process.send!({ kind: "restored" });
      return;
    }
    const result = await handle(msg);
    process.send!(result);
  });
});
process.send!({ kind: "ready" });
