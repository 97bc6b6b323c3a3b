/**
 * A worker's private copy of the Hardhat project, where mutants are written, compiled and tested. Sources that
 * change (contracts/, examples/, test/) and the build output (artifacts/, cache/) are copied; everything else
 * (node_modules, lib/, deploy/, ...) is a symlink, since tests only read it.
 *
 * The compile cache keys files by absolute path, so the copied cache is re-keyed to the sandbox: the first
 * compile there then has nothing to do, and each mutant recompiles only what depends on the mutated file.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const COPIED = ["contracts", "examples", "test", "artifacts", "cache"];
/** Of COPIED, the build output (taken from the build a sandbox starts from). */
const BUILD_OUTPUT = ["artifacts", "cache"];
const LINKED = ["node_modules", "lib", "deploy", "scripts", "devnet", "relayer", "synthesis", "typechain-types", "ignition", "deployments", "package.json", "tsconfig.json"];

/**
 * Appended to the project's hardhat.config.ts in a sandbox. The compiler stays the project's (same solcjs
 * build); its optimizer is off (below), so the bytecode differs from the project's in gas only.
 */
const SANDBOX_CONFIG = `
// ---- Mutation sandbox (tools/mutation/sol/sandbox.ts) ----
// The optimizer is off: a mutant is killed only by a failing test, and no test asserts a gas figure that the
// optimizer decides (bench:gas measures gas on the project's build, not here). solc then spends about 40 %
// less time per compile, which is most of a mutant's cost (measured: the bridge's unit 18 s -> 11 s).
// The Yul stack allocator stays on, since without it inline assembly runs out of stack slots ("stack too
// deep") with the optimizer off. With one set of settings the per-file overrides (optimizer runs) no longer
// differ, so they go and Hardhat compiles the bridge and the harnesses that inherit it in one solc run instead
// of one per settings group. Unoptimized, the bridge is over EIP-170's 24,576 bytes, so the in-process network
// lifts the size limit (the size check belongs to the project's build).
{
  type Compiler = { version: string; settings?: Record<string, unknown> };
  const unoptimized = (c: Compiler): Compiler => ({
    ...c,
    settings: { ...c.settings, optimizer: { enabled: false, details: { yul: true, yulDetails: { stackAllocation: true, optimizerSteps: "" } } } },
  });
  const solidity = config.solidity as { compilers: Compiler[]; overrides?: Record<string, Compiler> };
  solidity.compilers = solidity.compilers.map(unoptimized);
  solidity.overrides = {};
  config.networks = { ...config.networks, hardhat: { ...config.networks?.hardhat, allowUnlimitedContractSize: true } };
}
// No typechain on compile: tests load artifacts by name; the types are only for the type checker.
config.typechain = { ...config.typechain, dontOverrideCompile: true };
// Run solcjs inside this process: Hardhat starts a process per compile that loads the 8 MB compiler
// again each time; one worker compiles hundreds of mutants, so it loads the compiler once.
let inProcessSolc: { compile(input: string): string } | undefined;
subtask("compile:solidity:solcjs:run", async ({ input, solcJsPath }: { input: unknown; solcJsPath: string }) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  inProcessSolc ??= require("solc/wrapper")(require(solcJsPath));
  return JSON.parse(inProcessSolc!.compile(JSON.stringify(input)));
});
// MUTATION_COMPILE_ONLY (comma-separated source names, set by the runner from the area's \`compile\`):
// compile only these and their imports. Other contracts that import the mutated file keep their unmutated
// artifacts, which the area's tests never deploy; without this, every mutant of a shared library would
// recompile the bridge (minutes on a busy machine). Artifacts of skipped sources must then stay.
if (process.env.MUTATION_COMPILE_ONLY) {
  const only = new Set(process.env.MUTATION_COMPILE_ONLY.split(","));
  subtask("compile:solidity:get-source-paths", async (_args: unknown, _hre: unknown, runSuper: () => Promise<string[]>) =>
    (await runSuper()).filter((p) => only.has(path.relative(__dirname, p))),
  );
  subtask("compile:remove-obsolete-artifacts", async () => undefined);
}
`;

/** Fresh sandbox at `dir` (replaced if present) from the project at `root`, its build output from `build` (default: root). */
export function createSandbox(root: string, dir: string, build = root): void {
  if (!fs.existsSync(path.join(build, "artifacts")) || !fs.existsSync(path.join(build, "cache", "solidity-files-cache.json"))) {
    throw new Error(`no compiled artifacts in ${build}: run \`npx hardhat compile\` there first`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const name of COPIED) {
    const from = path.join(BUILD_OUTPUT.includes(name) ? build : root, name);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, name), { recursive: true });
  }
  for (const name of LINKED) {
    const from = path.join(root, name);
    if (fs.existsSync(from)) fs.symlinkSync(fs.realpathSync(from), path.join(dir, name));
  }
  // Same config, but the compile does not regenerate typechain-types (tests load artifacts by name; the
  // types are only for the type checker, and regenerating them would cost every mutant seconds).
  const config = fs.readFileSync(path.join(root, "hardhat.config.ts"), "utf8");
  fs.writeFileSync(
    path.join(dir, "hardhat.config.ts"),
    `${config}\n${SANDBOX_CONFIG}`,
  );
  rekeyCache(path.join(dir, "cache", "solidity-files-cache.json"), dir);
}

/**
 * The unoptimized build the workers start from, kept in .mutation-tmp/sol-unoptimized between runs: compiled
 * once per run in a sandbox of its own (incrementally: only what changed since the last run), so each worker's
 * first compile has nothing to do and two workers never compile the whole project side by side.
 * `compileOnly` is the area's `compile` list (see areas.ts). Returns the directory to pass to createSandbox.
 */
export function prepareBuild(root: string, runId: string, compileOnly?: string[]): string {
  const store = unoptimizedStore(root);
  const dir = path.join(root, ".mutation-tmp", `sol-build-${runId}`);
  createSandbox(root, dir, fs.existsSync(path.join(store, "cache", "solidity-files-cache.json")) ? store : root);
  const hardhat = path.join(fs.realpathSync(path.join(root, "node_modules")), "hardhat", "internal", "cli", "cli.js");
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", hardhat, "compile", "--quiet"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, "tsconfig.json"), MUTATION_COMPILE_ONLY: compileOnly?.join(",") ?? "" },
  });
  if (r.status !== 0) throw new Error(`the unoptimized build failed in ${dir} (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" / ")}`);
  // Keep it for the next run; a copy then a rename, so a run starting meanwhile never reads half a store.
  const next = `${store}.${runId}`;
  fs.rmSync(next, { recursive: true, force: true });
  for (const name of BUILD_OUTPUT) fs.cpSync(path.join(dir, name), path.join(next, name), { recursive: true });
  fs.rmSync(store, { recursive: true, force: true });
  fs.renameSync(next, store);
  return dir;
}

/** Where prepareBuild keeps the last unoptimized build (a sandbox can start from it: a worker replaced mid-run). */
export function unoptimizedStore(root: string): string {
  return path.join(root, ".mutation-tmp", "sol-unoptimized");
}

function rekeyCache(file: string, dir: string): void {
  const cache = JSON.parse(fs.readFileSync(file, "utf8")) as { files: Record<string, { sourceName: string }> };
  const files: Record<string, { sourceName: string }> = {};
  for (const [key, entry] of Object.entries(cache.files)) {
    // Library sources resolve through node_modules to their real path, which the sandbox shares.
    files[key.includes("/node_modules/") ? key : path.join(dir, entry.sourceName)] = entry;
  }
  fs.writeFileSync(file, JSON.stringify({ ...cache, files }, null, 2));
}
