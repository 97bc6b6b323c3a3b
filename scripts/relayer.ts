/**
 * `npm run relayer -- [--env-file FILE] <command> [options]`: the relayer's command line (relayer/cli.ts:
 * start, status, check-config) as compiled JavaScript, built first only when a source is newer than dist/
 * (an mtime check, as `npm start` does; a rebuild takes 5-13 s, the check a few milliseconds).
 *
 * `--env-file FILE` (before the command) loads environment variables from FILE, e.g. the devnet's
 * .devnet/relayer.env, which `npm start` writes next to .devnet/relayer.yaml with the keys it needs.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureRelayerBuildSync, RELAYER_CLI_JS, relayerNodeFlags } from "./lib/relayer-build";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Splits a leading `--env-file FILE` / `--env-file=FILE` off the relayer's arguments. */
export function splitEnvFile(args: string[]): { envFile?: string; rest: string[] } {
  const [first, second, ...more] = args;
  if (first === "--env-file") {
    if (!second) throw new Error("--env-file needs a file, e.g. --env-file .devnet/relayer.env");
    return { envFile: second, rest: more };
  }
  if (first?.startsWith("--env-file=")) return { envFile: first.slice("--env-file=".length), rest: args.slice(1) };
  return { rest: args };
}

function main(): void {
  const { envFile, rest } = splitEnvFile(process.argv.slice(2));
  if (ensureRelayerBuildSync(REPO_ROOT)) process.stderr.write("(rebuilt the relayer: its sources were newer than dist/)\n");
  const child = spawn(
    process.execPath,
    [...relayerNodeFlags(), ...(envFile ? [`--env-file=${envFile}`] : []), path.join(REPO_ROOT, RELAYER_CLI_JS), ...rest],
    { stdio: "inherit" },
  );
  // The daemon drains on SIGINT/SIGTERM, and a second signal makes it exit at once. Ctrl-C reaches it directly
  // (the terminal signals the whole process group), so SIGINT is not passed on (that would be a second one);
  // SIGTERM is sent to this process alone, so it is.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`relayer: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
