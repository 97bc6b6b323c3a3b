/**
 * `npm run status [-- --watch] [-- --json]`: the local network at a glance, from .devnet/manifest.json:
 * per topic the hub's latest inference and each chain's stored one (nonce, value, "ok" when current,
 * "-N" when N hub blocks behind). For the relayer's own view (ages, next due) use `npm run relayer -- status`.
 */
import { Command } from "commander";
import { readManifest } from "./lib/manifest";
import { collectStatus, currentCounts, renderStatus } from "./lib/status";

const program = new Command()
  .name("npm run status --")
  .description("Show the hub's latest inference and every chain's stored inference per topic")
  .option("--state-dir <dir>", "where the manifest is", ".devnet")
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
    if (o.json) {
      const out = {
        at: s.at.toISOString(),
        hub: { height: s.hubHeight?.toString(), error: s.hubError },
        topics: manifest.hub.topics.map((t) => ({
          topic: t,
          hub: s.hub.get(t) && { nonce: s.hub.get(t)!.height.toString(), value: s.hub.get(t)!.value },
          chains: Object.fromEntries(
            manifest.chains.map((c) => {
              const v = s.chains.get(c.name)?.topics.get(t);
              return [
                c.name,
                v && { nonce: v.nonce.toString(), value: v.value.toString(), timestamp: Number(v.timestamp) },
              ];
            }),
          ),
        })),
        current: Object.fromEntries(currentCounts(manifest, s)),
      };
      console.log(JSON.stringify(out));
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
