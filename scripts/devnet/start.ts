/**
 * `npm start`: the whole local network in one command. Starts it (see network.ts), prints where
 * everything is, shows a live status table of topics x chains until Ctrl-C, then stops everything.
 * If any child process dies, it says which one (with the end of its log) and stops the rest.
 */
import { Command } from "commander";
import { assertPortsFree } from "../lib/ports";
import type { LocalNetwork } from "./network";
import { CliFlags, networkPorts, resolveOptions, startPolicy } from "./options";

const program = new Command()
  .name("npm start --")
  .description("Start the local network: hub devnet, three EVM chains, contracts, relayer")
  .option("--topics <n>", "number of hub topics (env DEVNET_TOPICS)", undefined)
  .option("--block-time <ms|chain=ms,...>", "EVM block time in ms, 0 = automine (env DEVNET_BLOCK_TIME_MS)")
  .option("--hub-block-time <ms>", "hub block time in ms (env DEVNET_HUB_BLOCK_TIME_MS)")
  .option("--chain-ports <p1,p2,p3>", "ports of ethereum,bnb,base (env DEVNET_<CHAIN>_PORT)")
  .option("--hub-port <port>", "hub devnet RPC port (env DEVNET_HUB_PORT)")
  .option("--metrics-port <port>", "relayer metrics port (env DEVNET_METRICS_PORT)")
  .option("--redis <url>", "Redis URL (env REDIS_URL)")
  .option("--state-dir <dir>", "where the manifest, configs and logs go (env DEVNET_STATE_DIR)")
  .option("--no-relayer", "start everything except the relayer")
  .option(
    "--separate-chain-processes",
    "one `hardhat node` (and deploy) process per chain instead of one for all",
  )
  .option(
    "--axelar",
    "also deploy Axelar's gateway and gas service (npm packages, DEVNET signer set) and the Axelar adapter on every chain (env DEVNET_AXELAR=1)",
  )
  .option(
    "--deviation-bps <bps>",
    "relayer policy: post when the value moves this much, in basis points; 0 posts every inference (env DEVNET_DEVIATION_BPS, default 100)",
  )
  .option(
    "--heartbeat <s>",
    "relayer policy: post when the chain's value is this old, in seconds (env DEVNET_HEARTBEAT_SECONDS, default 300)",
  )
  .option("--once", "exit once every topic is on every chain (exit 1 if not within 60 s), for scripts and CI")
  .option("--interval <ms>", "status refresh interval", "1000");

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<
    CliFlags & { once?: boolean; interval: string; deviationBps?: string; heartbeat?: string }
  >();
  const opts = resolveOptions(flags);
  const policy = startPolicy(flags);
  opts.relayerConfig = { ...opts.relayerConfig, ...policy };
  // A busy port is said within a second: checked before loading the network's code (~7 s of module loading
  // on a busy machine). startLocalNetwork checks again (other callers, and a port taken meanwhile).
  await assertPortsFree(networkPorts(opts)).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
  const { startLocalNetwork, UserFacingError } = await import("./network");
  const { collectStatus, renderStatus } = await import("../lib/status");
  const { relayerShellCommand } = await import("./relayer-config");
  const isTty = process.stdout.isTTY === true;
  let network: LocalNetwork | undefined;
  let stopNetwork: (() => Promise<void>) | undefined;
  let shuttingDown = false;

  const shutdown = async (why: string, code: number): Promise<never> => {
    if (shuttingDown) return new Promise<never>(() => {});
    shuttingDown = true;
    console.log(`\n${why}: stopping everything...`);
    const t = Date.now();
    await stopNetwork?.();
    console.log(`stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("Ctrl-C", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.on("SIGHUP", () => void shutdown("SIGHUP", 0));

  console.log(`Starting the local network (state in ${opts.stateDir}/, logs in ${opts.stateDir}/logs/)`);
  try {
    network = await startLocalNetwork(opts, {
      log: (line) => console.log(`  ${line}`),
      onStopAvailable: (stop) => (stopNetwork = stop),
      onChildDeath: (child, reason) => {
        console.error(`\n${child.name} ${reason}. Last lines of ${child.logFile}:\n${child.tail(15)}`);
        void shutdown(`${child.name} died`, 1);
      },
    });
  } catch (err) {
    if (shuttingDown) return; // a signal arrived during start-up; shutdown() stops what was started
    if (err instanceof UserFacingError) console.error(`\n${err.message}`);
    else console.error(`\nstart failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  }
  if (shuttingDown) return;

  const { manifest } = network;
  const total = network.timings.find((t) => t.phase === "total")?.ms ?? 0;
  console.log(`\nReady in ${(total / 1000).toFixed(1)} s. Manifest: ${network.manifestFile}`);
  console.log(`  hub       ${manifest.hub.rpc || "(not started)"}  chain id ${manifest.hub.chainId}`);
  for (const c of manifest.chains) {
    const contracts = Object.entries(c.contracts)
      .map(([k, v]) => (typeof v === "string" ? `${k} ${v}` : `${k}: ${Object.keys(v).length} (manifest)`))
      .join("  ");
    console.log(`  ${c.name.padEnd(9)} ${c.rpc}  chain id ${c.chainId}  ${contracts}`);
  }
  console.log(`  redis     ${manifest.redis} (namespace ${manifest.namespace})`);
  if (manifest.explorer) console.log(`  explorer  ${manifest.explorer} (oracle values, transfers, supply check; open it in a browser)`);
  console.log(`  metrics   ${manifest.metrics}`);
  if (manifest.dashboard) console.log(`  queues    ${manifest.dashboard} (read-only dashboard)`);
  if (network.relayerConfigFile) {
    console.log(`  relayer   ${relayerShellCommand(network.stateDir, "status")} (or check-config --keys, start: a second instance)`);
  }
  console.log(isTty ? "\nCtrl-C stops everything.\n" : "");

  const interval = Number(flags.interval);
  const startedAt = Date.parse(manifest.startedAt);
  let allLandedAt: number | undefined;
  let target: Map<number, bigint> | undefined;
  let previousLines = 0;
  for (;;) {
    if (shuttingDown) return;
    const snapshot = await collectStatus(manifest);
    const lines = renderStatus(manifest, snapshot);
    // The hub's latest inferences when the network came up are the target: the time until every chain
    // stores them (or newer) is what "every topic's latest inference is on all chains" takes. (Being at the
    // hub's very latest nonce at the instant of a poll is a race with the next hub block, so it is shown in
    // the table but not used for the measurement.) With a deviation policy the relayer posts a topic's first
    // inference and then waits for a move or the heartbeat, so there the target is a first inference of every
    // topic on every chain (the chains start from genesis: any stored nonce is from this run).
    if (target === undefined && manifest.hub.topics.every((t) => snapshot.hub.has(t))) {
      target = new Map(
        manifest.hub.topics.map((t) => [t, policy.deviationBps === 0 ? snapshot.hub.get(t)!.height : 1n]),
      );
    }
    if (
      allLandedAt === undefined &&
      target !== undefined &&
      manifest.chains.every((c) => c.contracts.oracle)
    ) {
      const done = manifest.chains.every((c) =>
        manifest.hub.topics.every(
          (t) => (snapshot.chains.get(c.name)?.topics.get(t)?.nonce ?? 0n) >= target!.get(t)!,
        ),
      );
      if (done) allLandedAt = Date.now();
    }
    if (allLandedAt !== undefined) {
      const after = `${((allLandedAt - startedAt) / 1000).toFixed(1)} s after start`;
      lines.push(
        policy.deviationBps === 0
          ? `every topic's latest inference at ready time (hub nonce ${[...target!.values()][0]}) reached all ` +
              `${manifest.chains.length} chains ${after}`
          : `every topic had an inference on all ${manifest.chains.length} chains ${after}; then a topic is ` +
              `posted when it moves ${policy.deviationBps / 100} % or after ${policy.heartbeatSeconds} s ` +
              `(npm run request pays to skip the wait)`,
      );
    }
    if (isTty) {
      // Redraw in place: move up over the previous table and clear to the end of the screen.
      if (previousLines > 0) process.stdout.write(`\x1b[${previousLines}A\x1b[J`);
      process.stdout.write(lines.join("\n") + "\n");
      previousLines = lines.length;
    } else {
      console.log(lines.join("\n"));
    }
    if (
      flags.once &&
      (allLandedAt !== undefined ||
        !manifest.chains.some((c) => c.contracts.oracle) ||
        Date.now() - startedAt > 60_000)
    ) {
      return void shutdown("--once", allLandedAt !== undefined ? 0 : 1);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

void main();
