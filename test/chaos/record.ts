/**
 * The chaos suite's measurements: one entry per scenario in bench/results/chaos.json, written by the test run
 * itself (what was injected, how long recovery took, updates missed, duplicates, nonce gaps). These are
 * figures, not pass/fail limits: the tests assert behaviour (nothing twice, no gaps, caught up) and record
 * the times here. Running one file updates only its own scenarios' entries.
 */
import fs from "node:fs";
import path from "node:path";

export const RESULTS_DIR = path.resolve(__dirname, "..", "..", "bench", "results");
export const CHAOS_FILE = path.join(RESULTS_DIR, "chaos.json");
/** Written separately by the Redis-restart scenario (test/chaos/redis-restart.test.ts); merged in by mergeSeparateResults. */
export const SEPARATE_FILES = ["chaos-redis.json"];

export interface ChaosEntry {
  /** what was broken, and how (e.g. "SIGSTOP of the bnb chain's hardhat node for 30 s") */
  injected: string;
  /** from the end of the fault until the relayer was caught up again */
  recovery_ms?: number;
  /** hub epochs never stored on a chain that should have had them (between two stored ones) */
  updates_missed?: number;
  /** (topic, nonce) stored twice on a chain */
  duplicates?: number;
  /** account nonces skipped by the relayer's submitter */
  nonce_gaps?: number;
  [key: string]: unknown;
}

interface ChaosFile {
  description: string;
  scenarios: Record<string, ChaosEntry & { recorded_at: string }>;
  [key: string]: unknown;
}

function read(file: string): ChaosFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ChaosFile;
  } catch {
    return undefined;
  }
}

function write(data: ChaosFile): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(`${CHAOS_FILE}.tmp`, JSON.stringify(data, null, 2) + "\n");
  fs.renameSync(`${CHAOS_FILE}.tmp`, CHAOS_FILE);
}

function current(): ChaosFile {
  return (
    read(CHAOS_FILE) ?? {
      description:
        "npm run test:chaos: faults injected into a real local network (real processes, no mocks), one entry per scenario; measured by the test run, not asserted on",
      scenarios: {},
    }
  );
}

/** Records (replaces) scenario `name`'s entry. */
export function recordScenario(name: string, entry: ChaosEntry): void {
  const data = current();
  data.scenarios[name] = { ...entry, recorded_at: new Date().toISOString() };
  write(data);
}

/** Copies the entries of the suite's separately written result files (if present) into chaos.json. */
export function mergeSeparateResults(): void {
  const data = current();
  let merged = false;
  for (const f of SEPARATE_FILES) {
    const other = read(path.join(RESULTS_DIR, f));
    if (!other) continue;
    data[f.replace(/\.json$/, "")] = other;
    merged = true;
  }
  if (merged) write(data);
}
