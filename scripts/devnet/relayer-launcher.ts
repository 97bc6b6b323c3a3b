/**
 * `npm start`'s relayer, started early: this process loads the relayer's code (most of a relayer's
 * start-up on a small machine is compiling and loading its modules) while the chains start and the
 * contracts deploy, waits for the relayer config the devnet writes once the contracts exist, then runs
 * exactly `relayer/cli.ts start -c <config>`. It runs compiled (tsconfig.build.json), next to the compiled
 * relayer, so these relative requires load dist/relayer/*.js.
 *
 * Usage: node dist/scripts/devnet/relayer-launcher.js <config.yaml>  (after `npm run build:relayer`)
 */
import fs from "node:fs";

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error("usage: relayer-launcher.ts <relayer config file>");
  // Load the daemon's modules now, while the config does not exist yet.
  require("../../relayer/app"); // eslint-disable-line @typescript-eslint/no-require-imports
  require("../../relayer/config/load"); // eslint-disable-line @typescript-eslint/no-require-imports
  while (!fs.existsSync(configFile)) await new Promise((r) => setTimeout(r, 50));
  process.argv = [process.argv[0], require.resolve("../../relayer/cli"), "start", "-c", configFile];
  require("../../relayer/cli"); // eslint-disable-line @typescript-eslint/no-require-imports
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
