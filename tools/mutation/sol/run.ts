/**
 * Runs the Solidity mutants of one area on a pool of workers (one per core by default), each in its own
 * sandbox under .mutation-tmp/: baseline first (the unmutated tests must pass), then every mutant alone.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMutant, generateMutants, mutantKey, type Mutant } from "./operators";
import { createSandbox } from "./sandbox";
import type { Job, JobResult } from "./worker";

export type MutantStatus = "killed" | "survived" | "timeout" | "compile_error" | "equivalent";

export interface MutantOutcome {
  mutant: Mutant;
  key: string;
  status: MutantStatus;
  ms: number;
  detail?: string;
  /** For an equivalent mutant: why (docs/mutation-equivalents.json). */
  reason?: string;
}

export interface SolRunOptions {
  root: string;
  area: string;
  files: string[];
  tests: string[];
  /** Sources to compile for each mutant (with their imports); all when absent. See areas.ts. */
  compile?: string[];
  workers: number;
  /** Equivalent mutants by key (see mutantKey), with their reasons. */
  equivalents: Record<string, string>;
  /** Only mutants whose id or key contains this text (development). */
  filter?: string;
  /** Only these mutant ids (tests of the runner) or keys (a re-run of survivors). */
  only?: string[];
  log?: (line: string) => void;
}

interface Worker {
  child: ChildProcess;
  dir: string;
  index: number;
}

const WORKER = path.join(__dirname, "worker.ts");

function startWorker(root: string, area: string, index: number, logFile: string, compile?: string[]): Promise<Worker> {
  // One directory per run and worker: two runs at once (two areas, or a run and the worker's own test)
  // must never share a sandbox, where one would see the other's mutated file or lose its files mid-test.
  const dir = path.join(root, ".mutation-tmp", `sol-${area}-${process.pid}-w${index}`);
  createSandbox(root, dir);
  const out = fs.openSync(logFile, "a");
  const child = fork(WORKER, [], {
    cwd: dir,
    execArgv: ["-r", "ts-node/register/transpile-only"],
    stdio: ["ignore", out, out, "ipc"],
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json"), HARDHAT_NETWORK: "hardhat", MUTATION_COMPILE_ONLY: compile?.join(",") ?? "" },
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve({ child, dir, index }));
    child.once("exit", (code) => reject(new Error(`mutation worker ${index} exited (${code}) before it was ready: see ${logFile}`)));
  });
}

function send(w: Worker, job: Job, limitMs: number): Promise<JobResult | "timeout"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      w.child.removeAllListeners("message");
      resolve("timeout");
    }, limitMs);
    w.child.once("message", (r: JobResult) => {
      clearTimeout(timer);
      resolve(r);
    });
    w.child.send(job);
  });
}

export async function runSolArea(opts: SolRunOptions): Promise<{ outcomes: MutantOutcome[]; seconds: number; baselineMs: number }> {
  const started = Date.now();
  const log = opts.log ?? ((l: string) => console.log(l));
  const logFile = path.join(opts.root, ".mutation-tmp", `sol-${opts.area}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, "");

  const sources = new Map(opts.files.map((f) => [f, fs.readFileSync(path.join(opts.root, f), "utf8")]));
  let mutants = opts.files.flatMap((f) => generateMutants(sources.get(f)!, f));
  if (opts.filter) mutants = mutants.filter((m) => m.id.includes(opts.filter!) || mutantKey(m).includes(opts.filter!));
  if (opts.only) mutants = mutants.filter((m) => opts.only!.includes(m.id) || opts.only!.includes(mutantKey(m)));
  log(`[${opts.area}] ${mutants.length} mutants of ${opts.files.join(", ")}; tests: ${opts.tests.length} files; ${opts.workers} workers`);

  const workers = await Promise.all(Array.from({ length: opts.workers }, (_, i) => startWorker(opts.root, opts.area, i, logFile, opts.compile)));
  const baseline = await send(workers[0], { kind: "job", id: "baseline", file: opts.files[0], source: null, tests: opts.tests, timeoutMs: 120_000 }, 30 * 60_000);
  if (baseline === "timeout" || baseline.status !== "survived") {
    for (const w of workers) w.child.kill();
    const why = baseline === "timeout" ? "timed out" : `${baseline.status}: ${baseline.detail}`;
    throw new Error(`[${opts.area}] the unmutated tests do not pass in the sandbox (${why}); fix them before a mutation run (log: ${logFile})`);
  }
  // A mutant may slow the tests down (a loop running to the gas limit) but not hang a worker: beyond
  // this limit it counts as a timeout (detected, as in Stryker) and the worker is replaced.
  // Generous, because the machine is shared: a survivor must never be cut off and counted as detected.
  const limitMs = Math.max(10 * baseline.ms, 300_000);
  log(`[${opts.area}] baseline passes in ${(baseline.ms / 1000).toFixed(1)} s; per-mutant limit ${(limitMs / 1000).toFixed(0)} s`);

  const outcomes: MutantOutcome[] = [];
  let next = 0;
  const total = mutants.length;
  const work = async (w: Worker): Promise<void> => {
    for (;;) {
      const m = mutants[next++];
      if (!m) return;
      const key = mutantKey(m);
      if (opts.equivalents[key]) {
        outcomes.push({ mutant: m, key, status: "equivalent", ms: 0, reason: opts.equivalents[key] });
        continue;
      }
      const source = applyMutant(sources.get(m.file)!, m);
      const r = await send(w, { kind: "job", id: m.id, file: m.file, source, tests: opts.tests, timeoutMs: 120_000 }, limitMs);
      let o: MutantOutcome;
      if (r === "timeout") {
        o = { mutant: m, key, status: "timeout", ms: limitMs };
        w.child.kill("SIGKILL");
        const fresh = await startWorker(opts.root, opts.area, w.index, logFile, opts.compile);
        w.child = fresh.child;
        // The old sandbox was recreated from the project, so the mutated file is gone with it.
      } else {
        o = { mutant: m, key, status: r.status === "baseline_failed" ? "killed" : r.status, ms: r.ms, detail: r.detail };
      }
      outcomes.push(o);
      log(`[${opts.area}] ${outcomes.length}/${total} ${o.status.padEnd(13)} ${(o.ms / 1000).toFixed(1).padStart(5)} s  ${key}`);
    }
  };
  try {
    await Promise.all(workers.map(work));
  } finally {
    for (const w of workers) {
      w.child.kill();
      fs.rmSync(w.dir, { recursive: true, force: true });
    }
  }
  outcomes.sort((a, b) => a.mutant.file.localeCompare(b.mutant.file) || a.mutant.start - b.mutant.start);
  return { outcomes, seconds: (Date.now() - started) / 1000, baselineMs: baseline.ms };
}

/** Workers to use: both cores of this machine unless MUTATION_WORKERS says otherwise. */
export function defaultWorkers(): number {
  const env = Number(process.env.MUTATION_WORKERS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, Math.min(2, os.cpus().length));
}
