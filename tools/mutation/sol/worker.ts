/**
 * One mutation worker: a long-lived process in its sandbox (cwd) holding one Hardhat runtime, so a mutant
 * costs an incremental compile plus its test files, not a Hardhat start-up (several seconds) each.
 *
 * Protocol (IPC, see run.ts): receives {kind:"job", id, file, source|null, tests, timeoutMs}; writes `source`
 * to `file` (null: the original, i.e. the baseline), compiles what it changes (compile.ts), runs the test files with mocha (bail: the
 * first failing test kills the mutant), replies {kind:"result", id, status, ms, compileMs, testMs, failedFile, detail}.
 *
 * Before each test file the Hardhat network is reset and loadFixture's snapshots are dropped, and each mutant
 * re-requires the test files: a fixture snapshot taken with the previous mutant's bytecode must never be restored.
 */
import fs from "node:fs";
import path from "node:path";
import Mocha from "mocha";
import { mutantCompiler, type MutantCompiler } from "./compile";

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
  /** Of `ms`: the compile, and the test run (network reset, loading the test files, mocha). */
  compileMs: number;
  testMs: number;
  /** The test file (as given in `tests`) whose test failed first, when one did. */
  failedFile?: string;
  detail?: string;
}

const sandbox = process.cwd();
const originals = new Map<string, string>();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hre = require("hardhat") as typeof import("hardhat");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helpers = require("@nomicfoundation/hardhat-network-helpers") as { clearSnapshots(): void };
/** Built at the first job (it reads the sandbox's dependency graph once). */
let compiler: Promise<MutantCompiler> | undefined;
/** Files a "restore" rewrote: their dependents' artifacts still hold the last mutant until the next compile. */
const restored = new Set<string>();

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

/**
 * Each test file runs on a fresh chain (as `npx hardhat test <file>` would), in the order given, and the run
 * stops at the first file with a failure: the runner reorders the files (killers first), and a file's
 * outcome must never depend on which files ran before it.
 */
async function runTests(tests: string[], timeoutMs: number): Promise<{ failures: number; first?: string; file?: string }> {
  const testRoot = path.join(sandbox, "test") + path.sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(testRoot)) delete require.cache[key];
  for (const t of tests) {
    await hre.network.provider.request({ method: "hardhat_reset", params: [] });
    helpers.clearSnapshots();
    const holder: { first?: string } = {};
    const mocha = new Mocha({ timeout: timeoutMs, bail: true, reporter: firstFailureReporter(holder) as unknown as string });
    mocha.addFile(path.join(sandbox, t));
    await mocha.loadFilesAsync();
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    mocha.dispose();
    if (failures > 0) return { failures, first: holder.first, file: t };
  }
  return { failures: 0 };
}

async function handle(job: Job): Promise<JobResult> {
  const started = Date.now();
  const target = path.join(sandbox, job.file);
  if (!originals.has(job.file)) originals.set(job.file, fs.readFileSync(target, "utf8"));
  // An area mutates several files: the previous mutant may have been in another one, which must be the
  // original again, or this mutant would be compiled and tested together with that one.
  const changed = [job.file, ...restored];
  restored.clear();
  for (const [file, src] of originals) {
    if (file !== job.file && fs.readFileSync(path.join(sandbox, file), "utf8") !== src) {
      fs.writeFileSync(path.join(sandbox, file), src);
      changed.push(file);
    }
  }
  fs.writeFileSync(target, job.source ?? originals.get(job.file)!);
  try {
    compiler ??= mutantCompiler(hre);
    await (await compiler).compile(changed);
  } catch (e) {
    const msg = String((e as Error).message ?? e).split("\n").find((l) => l.trim()) ?? "";
    const ms = Date.now() - started;
    if (job.source === null) return { kind: "result", id: job.id, status: "baseline_failed", ms, compileMs: ms, testMs: 0, detail: `compile: ${msg}` };
    return { kind: "result", id: job.id, status: "compile_error", ms, compileMs: ms, testMs: 0, detail: msg.slice(0, 200) };
  }
  const compileMs = Date.now() - started;
  let outcome: { failures: number; first?: string; file?: string };
  try {
    outcome = await runTests(job.tests, job.timeoutMs);
  } catch (e) {
    // A test file that throws while loading (e.g. a deploy in a top-level before()) still means the tests failed.
    outcome = { failures: 1, first: `load: ${String((e as Error).message ?? e).split("\n")[0]}` };
  }
  const status: JobStatus = outcome.failures > 0 ? (job.source === null ? "baseline_failed" : "killed") : "survived";
  const ms = Date.now() - started;
  return { kind: "result", id: job.id, status, ms, compileMs, testMs: ms - compileMs, failedFile: outcome.file, detail: outcome.first };
}

let queue = Promise.resolve();
process.on("message", (msg: Job | { kind: "restore" }) => {
  queue = queue.then(async () => {
    if (msg.kind === "restore") {
      for (const [file, src] of originals) {
        fs.writeFileSync(path.join(sandbox, file), src);
        restored.add(file);
      }
      process.send!({ kind: "restored" });
      return;
    }
    const result = await handle(msg);
    process.send!(result);
  });
});
process.send!({ kind: "ready" });
