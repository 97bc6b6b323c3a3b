/**
 * `npm run status [-- --watch] [-- --json]`: the local network at a glance, from .devnet/manifest.json (or
 * DEVNET_STATE_DIR's, as for `npm start`): per topic the hub's latest inference and each chain's stored one
 * (nonce, value, "ok" when current, "-N" when N hub blocks behind). For the relayer's own view (ages, next
 * due) use `npm run relayer -- status`.
 */
import { Command } from "commander";
import { defaultStateDir, notRunningMessage, readManifest } from "./lib/manifest";
import { collectStatus, networkDown, renderStatus, statusJson } from "./lib/status";

const program = new Command()
  .name("npm run status --")
  .description("Show the hub's latest inference and every chain's stored inference per topic")
  .option("--state-dir <dir>", "where the manifest is (env DEVNET_STATE_DIR)", defaultStateDir())
  .option("--watch", "refresh every second until Ctrl-C")
  .option("--json", "print one JSON object instead of the table")
  .option("--rows <n>", "most topic rows to print", "20");

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ stateDir: string; watch?: boolean; json?: boolean; rows: string }>();
  const manifest = readManifest(o.stateDir);
  let previous = 0;
  for (;;) {
    const s = await collectStatus(manifest);
    const down = networkDown(manifest, s);
    if (o.json) {
      console.log(JSON.stringify(statusJson(manifest, s)));
      if (down) console.error(`status: ${notRunningMessage(o.stateDir, manifest)}`);
    } else if (down) {
      // A table of "not answering" cells says less than one line.
      if (o.watch && process.stdout.isTTY && previous) process.stdout.write(`\x1b[${previous}A\x1b[J`);
      console.log(`${s.at.toISOString().slice(11, 19)}  ${notRunningMessage(o.stateDir, manifest)}`);
      previous = 1;
    } else {
      const lines = renderStatus(manifest, s, Number(o.rows));
      if (o.watch && process.stdout.isTTY && previous) process.stdout.write(`\x1b[${previous}A\x1b[J`);
      console.log(lines.join("\n"));
      previous = lines.length;
    }
    const unreachable = s.hubError || [...s.chains.values()].some((c) => c.error);
    if (!o.watch) process.exit(unreachable ? 1 : 0);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

main().catch((err: Error) => {
  console.error(`status: ${err.message}`);
  process.exit(1);
});
