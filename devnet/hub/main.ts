/**
 * CLI: `npm run devnet:hub -- --port 26657 [--config devnet/hub.config.json] [--block-time 1000]`
 * Prints the RPC URL and chain id. DEVNET ONLY: its keys are public test keys.
 */
import { Command } from "commander";
import { ConfigError } from "./config";
import { startHubDevnet } from "./node";

async function main(): Promise<void> {
  const program = new Command()
    .name("devnet:hub")
    .description("Allora hub devnet: a CometBFT/Cosmos-compatible local node (devnet only, public test keys)")
    .option("--port <port>", "RPC port (0 = a free port)", "26657")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--config <file>", "config file (JSON or YAML)")
    .option("--block-time <ms>", "block interval in milliseconds (overrides the config)")
    .option("--quiet", "no logs")
    .option("--log-level <level>", "pino log level", "info")
    .parse(process.argv);
  const o = program.opts<{ port: string; host: string; config?: string; blockTime?: string; quiet?: boolean; logLevel: string }>();
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port ${o.port}: expected an integer 0..65535`);
  }
  const blockTimeMs = o.blockTime === undefined ? undefined : Number(o.blockTime);
  if (blockTimeMs !== undefined && !(Number.isInteger(blockTimeMs) && blockTimeMs > 0)) {
    throw new Error(`--block-time ${o.blockTime}: expected a positive integer (milliseconds)`);
  }
  const node = await startHubDevnet({
    port,
    host: o.host,
    config: o.config,
    blockTimeMs,
    quiet: o.quiet,
    logLevel: o.logLevel,
  });
  process.stdout.write(`Allora hub devnet\n  RPC URL:  ${node.rpcUrl}\n  WS URL:   ${node.wsUrl}\n  chain id: ${node.chainId}\n`);
  for (const a of node.accounts) process.stdout.write(`  account ${a.name}: ${a.address}\n`);
  const shutdown = () => {
    node.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
