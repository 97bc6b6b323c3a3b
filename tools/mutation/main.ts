/**
 * npm run test:mutation [-- <area>... [--workers N] [--filter TEXT] [--mutate FILES] [--survivors] [--resume] [--max-seconds S] [--force]]
 *
 * Solidity areas: tools/mutation/sol (report: reports/mutation/solidity-<area>.md).
 * TypeScript areas: StrykerJS with stryker.config.mjs (report: reports/mutation/<area>/index.html).
 * Both update bench/results/mutation.json. docs/development.md ("Mutation testing") explains the areas.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ALL_AREAS, SOL_AREAS, TS_AREAS } from "./areas";
import { score, updateResults, type AreaResult } from "./results";
import { generateMutants, mutantKey } from "./sol/operators";
import { defaultWorkers, journalFile, mutationSeed, readJournalOutcomes, runSolArea, type MutantOutcome } from "./sol/run";

const ROOT = path.resolve(__dirname, "..", "..");
const EQUIVALENTS = path.join(ROOT, "docs", "mutation-equivalents.json");

interface Args {
  areas: string[];
  workers: number;
  /** Solidity: only mutants whose key contains this. */
  filter?: string;
  /** TypeScript: only these files of the area (Stryker's --mutate). */
  mutate?: string;
  /** Solidity: re-test only the survivors of the area's last full run and merge (after adding tests). */
  survivors: boolean;
  /** Solidity: keep the journaled outcomes of an interrupted or time-limited run, test the rest. */
  resume: boolean;
  /** Solidity: start no new mutant after this many seconds (resume later with --resume). */
  maxSeconds?: number;
  /** TypeScript: re-test every mutant, not only those whose code or tests changed since the last run. */
  force: boolean;
}

function parseArgs(argv: string[]): Args {
  const areas: string[] = [];
  let workers = defaultWorkers();
  let filter: string | undefined;
  let mutate: string | undefined;
  let survivors = false;
  let resume = false;
  let maxSeconds: number | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--workers") workers = Number(argv[++i]);
    else if (argv[i] === "--filter") filter = argv[++i];
    else if (argv[i] === "--mutate") mutate = argv[++i];
    else if (argv[i] === "--survivors") survivors = true;
    else if (argv[i] === "--resume") resume = true;
    else if (argv[i] === "--max-seconds") maxSeconds = Number(argv[++i]);
    else if (argv[i] === "--force") force = true;
    else areas.push(argv[i]);
  }
  for (const a of areas) {
    if (!ALL_AREAS.includes(a)) throw new Error(`unknown mutation area "${a}": choose from ${ALL_AREAS.join(", ")}`);
  }
  if (!Number.isInteger(workers) || workers < 1) throw new Error("--workers needs a whole number of at least 1");
  if (maxSeconds !== undefined && !(maxSeconds > 0)) throw new Error("--max-seconds needs a number of seconds above 0");
  if (survivors && resume) throw new Error("--survivors and --resume do not combine: resume the full run first, then re-test its survivors");
  return { areas: areas.length > 0 ? areas : ALL_AREAS, workers, filter, mutate, survivors, resume, maxSeconds, force };
}

/** docs/mutation-equivalents.json: { "<mutant key>": "<one-line reason>" } for Solidity mutants. */
function loadEquivalents(): Record<string, string> {
  if (!fs.existsSync(EQUIVALENTS)) return {};
  const raw = JSON.parse(fs.readFileSync(EQUIVALENTS, "utf8")) as { solidity?: Record<string, string> };
  return raw.solidity ?? {};
}

function solReport(area: string, outcomes: MutantOutcome[], seconds: number, baselineMs: number, result: AreaResult): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
  const lines = [
    `# Solidity mutation report: ${area}`,
    "",
    `${new Date().toISOString()}; ${seconds.toFixed(0)} s wall time; baseline test run ${(baselineMs / 1000).toFixed(1)} s; ${timeSplit(outcomes) || "no timings"}.`,
    "",
    `Score **${result.score} %**: ${result.killed} killed (${result.timeouts} by timeout), ${result.survived} survived, ${result.equivalent} equivalent, ${result.compile_errors} did not compile (of ${result.mutants}).`,
    "",
    "| status | location | operator | original | mutant | note |",
    "|---|---|---|---|---|---|",
  ];
  const order = ["survived", "timeout", "killed", "equivalent", "compile_error"];
  const sorted = [...outcomes].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  for (const o of sorted) {
    const m = o.mutant;
    const note = o.reason ?? (o.status === "killed" ? o.detail ?? "" : o.status === "compile_error" ? o.detail ?? "" : "");
    lines.push(`| ${o.status} | ${m.file}:${m.line}:${m.column} | ${m.operator} | \`${esc(m.original)}\` | \`${esc(m.replacement) || "(removed)"}\` | ${esc(note).slice(0, 160)} |`);
  }
  return lines.join("\n") + "\n";
}

/** An area's last run (all its mutants, or `selected` of which a time limit let it test `outcomes`). */
interface SavedRun {
  outcomes: MutantOutcome[];
  seconds: number;
  selected?: number;
}

/** The outcomes of an area's last run, kept next to its report for `--survivors`. */
function outcomesFile(area: string): string {
  return path.join(ROOT, "reports", "mutation", `solidity-${area}.json`);
}

interface SolFlags {
  filter?: string;
  survivors: boolean;
  resume: boolean;
  maxSeconds?: number;
}

/** Mean compile and test seconds per tested mutant (compile errors stop at the compile). */
function timeSplit(outcomes: MutantOutcome[]): string {
  const timed = outcomes.filter((o) => o.compileMs !== undefined);
  if (timed.length === 0) return "";
  const mean = (f: (o: MutantOutcome) => number, of: MutantOutcome[]): string => (of.reduce((a, o) => a + f(o), 0) / of.length / 1000).toFixed(1);
  const ran = timed.filter((o) => o.status !== "compile_error");
  return `per mutant (worker time): compile ${mean((o) => o.compileMs!, timed)} s, tests ${ran.length ? mean((o) => o.testMs!, ran) : "0"} s (killed ${mean((o) => o.testMs!, ran.filter((o) => o.status === "killed")) || "-"} s, survived ${ran.some((o) => o.status === "survived") ? mean((o) => o.testMs!, ran.filter((o) => o.status === "survived")) : "-"} s)`;
}

async function runSol(area: string, workers: number, flags: SolFlags): Promise<void> {
  const { filter, survivors: survivorsOnly, resume, maxSeconds } = flags;
  const def = SOL_AREAS[area];
  const equivalents = loadEquivalents();
  let previous: SavedRun | undefined;
  if (survivorsOnly) {
    // The last run's outcomes; failing those, its journal (a run cut short before it wrote them).
    if (fs.existsSync(outcomesFile(area))) previous = JSON.parse(fs.readFileSync(outcomesFile(area), "utf8")) as SavedRun;
    else previous = readJournalOutcomes(journalFile(ROOT, area));
    if (!previous) throw new Error(`[${area}] --survivors needs a run of the area first (no ${path.relative(ROOT, outcomesFile(area))})`);
  }
  const retest = previous?.outcomes.filter((o) => (o.status === "survived" || o.status === "equivalent") && !equivalents[o.key]).map((o) => o.key);
  const run = await runSolArea({
    root: ROOT,
    area,
    files: def.files,
    tests: def.tests,
    compile: def.compile,
    workers,
    equivalents,
    filter,
    only: retest,
    resume,
    maxSeconds,
    // A re-test of survivors leaves the journal of the run it completes alone.
    journal: !survivorsOnly,
  });
  let { outcomes, seconds } = run;
  let selected = run.selected;
  const baselineMs = run.baselineMs;
  if (previous) {
    // Keep the last full run's verdicts, apply today's equivalent list, replace the re-tested survivors.
    const fresh = new Map(outcomes.map((o) => [o.key, o]));
    // Mutants the operators no longer produce (an operator was narrowed since) leave the count.
    const current = new Set(def.files.flatMap((f) => generateMutants(fs.readFileSync(path.join(ROOT, f), "utf8"), f)).map(mutantKey));
    outcomes = previous.outcomes.filter((o) => current.has(o.key)).map((o): MutantOutcome => {
      if (fresh.has(o.key)) return fresh.get(o.key)!;
      if (equivalents[o.key]) return { ...o, status: "equivalent", reason: equivalents[o.key] };
      return o;
    });
    seconds += previous.seconds;
    // A survivors' re-test of a time-limited run is as partial as that run.
    // (A journal written before it recorded `selected` was a run over all the area's mutants.)
    selected = Math.max(outcomes.length, previous.selected ?? current.size);
  } else if (!filter) {
    fs.mkdirSync(path.dirname(outcomesFile(area)), { recursive: true });
    fs.writeFileSync(outcomesFile(area), JSON.stringify({ outcomes, seconds, selected } satisfies SavedRun, null, 1));
  }
  const partial = outcomes.length < selected;
  const count = (s: MutantOutcome["status"]): number => outcomes.filter((o) => o.status === s).length;
  const killed = count("killed") + count("timeout");
  const reportFile = path.join("reports", "mutation", `solidity-${area}.md`);
  const result: AreaResult = {
    kind: "solidity",
    mutants: outcomes.length,
    killed,
    survived: count("survived"),
    no_coverage: 0,
    equivalent: count("equivalent"),
    compile_errors: count("compile_error"),
    timeouts: count("timeout"),
    score: score(killed, count("survived"), 0),
    seconds: Math.round(seconds),
    report: reportFile,
    ran_at: new Date().toISOString(),
    note: [
      filter ? `partial run: --filter ${filter}` : "",
      partial ? `partial run: ${outcomes.length} of ${selected} mutants tested (time limit; the rest: --resume)` : "",
      `${workers} workers; ${(seconds / Math.max(1, outcomes.length - count("equivalent"))).toFixed(1)} s wall per mutant${previous ? `; survivors of the full run re-tested after new tests (${retest!.length})` : ""}`,
      "optimizer off in the mutation sandbox (tools/mutation/sol/sandbox.ts); mutants compiled by tools/mutation/sol/compile.ts (bytecode of what the mutated file changes only)",
      `fast-check seed ${mutationSeed()} for every test run (FC_SEED)`,
      timeSplit(outcomes),
    ].filter(Boolean).join("; "),
    ...(partial || filter ? { partial: { tested: outcomes.length, of: selected, filter: filter ?? null } } : {}),
  };
  fs.mkdirSync(path.join(ROOT, "reports", "mutation"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, reportFile), solReport(area, outcomes, seconds, baselineMs, result));
  const out = updateResults(ROOT, area, result, ALL_AREAS);
  console.log(`[${area}] score ${result.score} % (${killed} killed, ${result.survived} survived, ${result.compile_errors} compile errors, ${result.equivalent} equivalent) in ${result.seconds} s; ${reportFile}; ${path.relative(ROOT, out)}`);
  for (const o of outcomes.filter((x) => x.status === "survived")) console.log(`  survived: ${o.key}`);
}

interface StrykerReport {
  files: Record<string, { mutants: Array<{ status: string }> }>;
}

/** Whether `file` matches the area's Stryker mutate patterns (`*` within a folder, `**` across, `!` excludes). */
function inArea(file: string, patterns: readonly string[]): boolean {
  const re = (glob: string) =>
    new RegExp(`^${glob.split("**").map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")).join(".*")}$`);
  const rel = file.split(path.sep).join("/");
  const included = patterns.filter((p) => !p.startsWith("!")).some((p) => re(p).test(rel));
  return included && !patterns.filter((p) => p.startsWith("!")).some((p) => re(p.slice(1)).test(rel));
}

function runTs(area: string, workers: number, mutate?: string, force = false): void {
  const started = Date.now();
  const stryker = path.join(ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
  // stryker.config.mjs runs incrementally: with the last run's results in this file, only mutants whose code
  // or covering tests changed are tested again; their time adds to the last run's.
  const incrementalFile = path.join(ROOT, "reports", "mutation", area, "stryker-incremental.json");
  const last = !force && fs.existsSync(incrementalFile) ? readTsResult(area) : undefined;
  // A --mutate run adds its file to the incremental report, which keeps the files of earlier runs: the entry
  // then counts them all, and its seconds add up the partial runs (file by file through a large area).
  const previous = mutate ? (last?.note?.startsWith("partial run") ? last : undefined) : last;
  const args = [stryker, "run", "stryker.config.mjs", "--concurrency", String(workers), ...(mutate ? ["--mutate", mutate] : []), ...(force ? ["--force"] : [])];
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, MUTATION_AREA: area },
  });
  if (r.status !== 0) throw new Error(`[${area}] Stryker failed (exit ${r.status}); its output is above`);
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, "reports", "mutation", area, "mutation.json"), "utf8")) as StrykerReport;
  // Only the area's files: an incremental report keeps the results of files the area no longer mutates.
  const files = Object.entries(json.files).filter(([file]) => inArea(file, TS_AREAS[area].mutate));
  const statuses = files.flatMap(([, f]) => f.mutants.map((m) => m.status));
  const count = (s: string): number => statuses.filter((x) => x === s).length;
  const killed = count("Killed") + count("Timeout");
  const result: AreaResult = {
    kind: "typescript",
    mutants: statuses.length,
    killed,
    survived: count("Survived"),
    no_coverage: count("NoCoverage"),
    // Stryker's "Ignored": mutants disabled in the source with a `// Stryker disable` comment and its reason.
    equivalent: count("Ignored"),
    compile_errors: count("CompileError") + count("RuntimeError"),
    timeouts: count("Timeout"),
    score: score(killed, count("Survived"), count("NoCoverage")),
    seconds: Math.round((Date.now() - started) / 1000) + (previous?.seconds ?? 0),
    report: path.join("reports", "mutation", area, "index.html"),
    ran_at: new Date().toISOString(),
    note: mutate
      ? `partial run (file by file with --mutate, the last ${mutate}): ${files.map(([f]) => f).join(", ")}; ${workers} workers${TS_AREAS[area].typeCheck === false ? "; no type checker" : ""}`
      : `${workers} workers${TS_AREAS[area].typeCheck === false ? "; no type checker (mutants that would not compile were run too)" : ""}${previous ? `; incremental: mutants whose code and tests did not change since the run of ${previous.ran_at} kept its result (seconds add up both runs)` : ""}`,
  };
  const out = updateResults(ROOT, area, result, ALL_AREAS);
  console.log(`[${area}] score ${result.score} % in ${result.seconds} s; ${result.report}; ${path.relative(ROOT, out)}`);
}

/** The area's last recorded TypeScript result (bench/results/mutation.json), if any. */
function readTsResult(area: string): AreaResult | undefined {
  const file = path.join(ROOT, "bench", "results", "mutation.json");
  if (!fs.existsSync(file)) return undefined;
  const entry = (JSON.parse(fs.readFileSync(file, "utf8")) as { areas: Record<string, AreaResult | { not_run: true }> }).areas[area];
  return entry && "kind" in entry && entry.kind === "typescript" ? entry : undefined;
}

async function main(): Promise<void> {
  const { areas, workers, filter, mutate, survivors, resume, maxSeconds, force } = parseArgs(process.argv.slice(2));
  for (const area of areas) {
    if (SOL_AREAS[area]) await runSol(area, workers, { filter, survivors, resume, maxSeconds });
    else if (TS_AREAS[area]) runTs(area, workers, mutate, force);
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
