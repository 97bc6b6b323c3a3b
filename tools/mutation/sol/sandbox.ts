/**
 * A worker's private copy of the Hardhat project, where mutants are written, compiled and tested. Sources that
 * change (contracts/, examples/, test/) and the build output (artifacts/, cache/) are copied; everything else
 * (node_modules, lib/, deploy/, ...) is a symlink, since tests only read it.
 *
 * The compile cache keys files by absolute path, so the copied cache is re-keyed to the sandbox: the first
 * compile there then has nothing to do, and each mutant recompiles only what depends on the mutated file.
 */
import fs from "node:fs";
import path from "node:path";

const COPIED = ["contracts", "examples", "test", "artifacts", "cache"];
const LINKED = ["node_modules", "lib", "deploy", "scripts", "devnet", "relayer", "synthesis", "typechain-types", "ignition", "deployments", "package.json", "tsconfig.json"];

/**
 * Appended to the project's hardhat.config.ts in a sandbox. The compiler and its settings stay the project's
 * (same solcjs build, same optimizer runs), so a mutant's bytecode is what the project would deploy.
 */
const SANDBOX_CONFIG = `
// ---- Mutation sandbox (tools/mutation/sol/sandbox.ts) ----
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

/** Fresh sandbox at `dir` (replaced if present) from the project at `root`. */
export function createSandbox(root: string, dir: string): void {
  if (!fs.existsSync(path.join(root, "artifacts")) || !fs.existsSync(path.join(root, "cache", "solidity-files-cache.json"))) {
    throw new Error(`no compiled artifacts in ${root}: run \`npx hardhat compile\` there first`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const name of COPIED) {
    const from = path.join(root, name);
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

function rekeyCache(file: string, dir: string): void {
  const cache = JSON.parse(fs.readFileSync(file, "utf8")) as { files: Record<string, { sourceName: string }> };
  const files: Record<string, { sourceName: string }> = {};
  for (const [key, entry] of Object.entries(cache.files)) {
    // Library sources resolve through node_modules to their real path, which the sandbox shares.
    files[key.includes("/node_modules/") ? key : path.join(dir, entry.sourceName)] = entry;
  }
  fs.writeFileSync(file, JSON.stringify({ ...cache, files }, null, 2));
}
