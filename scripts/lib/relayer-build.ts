/**
 * The relayer as plain JavaScript: `tsc -p tsconfig.build.json` compiles relayer/ (and the lib/ modules it
 * imports, and the devnet's early launcher) into dist/. A relayer under ts-node keeps the TypeScript
 * compiler in memory (~90 MB of its RSS); `node dist/relayer/cli.js` does not.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Compiled entry points, relative to the repository root. */
export const RELAYER_CLI_JS = path.join("dist", "relayer", "cli.js");
export const RELAYER_LAUNCHER_JS = path.join("dist", "scripts", "devnet", "relayer-launcher.js");

/** What the build reads: a change to any of these makes dist/ stale. */
const BUILD_INPUT_DIRS = ["relayer", "lib"];
const BUILD_INPUT_FILES = ["tsconfig.build.json", "tsconfig.json", "scripts/devnet/relayer-launcher.ts"];

function newestTsMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTsMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * True if dist/ holds a build at least as new as every input. A full (non-incremental) tsc run rewrites
 * every output, so the outputs' oldest mtime is the build's time.
 */
export function relayerBuildIsCurrent(repoRoot: string): boolean {
  const outputs = [RELAYER_CLI_JS, RELAYER_LAUNCHER_JS].map((f) => path.join(repoRoot, f));
  if (!outputs.every((f) => fs.existsSync(f))) return false;
  const builtAt = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  const newestInput = Math.max(
    ...BUILD_INPUT_DIRS.map((d) => newestTsMtime(path.join(repoRoot, d))),
    ...BUILD_INPUT_FILES.map((f) => fs.statSync(path.join(repoRoot, f)).mtimeMs),
  );
  return newestInput <= builtAt;
}

const TSC_ARGS = (): string[] => [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"];

function buildError(err: unknown): Error {
  const e = err as { stdout?: string; stderr?: string; message: string };
  return new Error(
    `building the relayer (tsc -p tsconfig.build.json) failed; fix the errors below, then run ` +
      `\`npm run build:relayer\`:\n${e.stdout ?? ""}${e.stderr || e.message}`,
  );
}

/**
 * Builds dist/ if it is missing or older than its sources (`tsc`, ~8 s on 2 busy cores), without blocking
 * this process's event loop (the devnet's hub runs in it). Resolves to whether it built.
 */
export async function ensureRelayerBuild(repoRoot: string): Promise<boolean> {
  if (relayerBuildIsCurrent(repoRoot)) return false;
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, TSC_ARGS(), { cwd: repoRoot, encoding: "utf8" }, (err, stdout, stderr) =>
      err ? reject(buildError(Object.assign(err, { stdout, stderr }))) : resolve(),
    ),
  );
  return true;
}

/** The same, blocking: for callers that cannot wait (a no-op mtime check when the build is current). */
export function ensureRelayerBuildSync(repoRoot: string): boolean {
  if (relayerBuildIsCurrent(repoRoot)) return false;
  try {
    execFileSync(process.execPath, TSC_ARGS(), { cwd: repoRoot, encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    throw buildError(err);
  }
  return true;
}

/**
 * The relayer's node flags. `--optimize-for-size` makes V8 trade some speed for memory: bench:relay (100
 * topics, 3 chains) measured a maximum RSS of 122-130 MB with it against 178-270 MB without (latency within
 * the run-to-run spread); a small young generation (`--max-semi-space-size`, RELAYER_SEMI_SPACE_MB, default 3
 * MB) is set from the process's start. RELAYER_NODE_FLAGS replaces the whole list ("" for none).
 */
export function relayerNodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.RELAYER_NODE_FLAGS !== undefined) return env.RELAYER_NODE_FLAGS.split(" ").filter(Boolean);
  const mb = Number(env.RELAYER_SEMI_SPACE_MB ?? 3);
  return ["--optimize-for-size", ...(mb > 0 ? [`--max-semi-space-size=${mb}`] : [])];
}
