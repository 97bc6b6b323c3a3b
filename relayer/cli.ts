/**
 * The relayer command line: `start`, `status`, `check-config`. See relayer/README.md.
 */
import path from "node:path";
import v8 from "node:v8";
import { Command } from "commander";
import { ConfigError, LoadedConfig, loadConfig } from "./config/load";
import { policyFor } from "./config/schema";
import { describeKeySource, loadWallet } from "./config/keys";
import { startRelayer } from "./app";
import { createLogger, sanitizeErrorText } from "./log";
import { redactUrl } from "./redact";
import { installProcessHandlers } from "./tasks";
import { FailoverRpc } from "./evm/rpc";
import { OracleReader } from "./evm/oracle";
import { HubWatcher } from "./hub/watcher";
import { formatStatusTable, formatTransfersSection, StatusRow, statusRow, type TransfersStatus } from "./status";
import { readTransfersStatus } from "./explorer/source";
import pino from "pino";
import { describeRedis } from "./config/redis";
import { registerTransferCommands } from "./transfer/commands";

// A smaller young generation keeps the daemon's RSS down (it allocates small, short-lived objects at a
// steady rate); set before the heap grows. bench:relay (100 topics) measured max RSS 181 MB at 3 MB against
// 256 MB at 4 MB, latency within the run-to-run spread. RELAYER_SEMI_SPACE_MB overrides (0 leaves V8's default).
const semiSpaceMb = Number(process.env.RELAYER_SEMI_SPACE_MB ?? 3);
if (semiSpaceMb > 0) v8.setFlagsFromString(`--max-semi-space-size=${semiSpaceMb}`);

// Compiled, this file runs from dist/relayer/; the YAML configs stay in the source tree.
const SOURCE_DIR =
  path.basename(path.dirname(__dirname)) === "dist" ? path.join(__dirname, "..", "..", "relayer") : __dirname;
const DEFAULT_CONFIG = path.join(SOURCE_DIR, "config", "local.yaml");

function configPath(opt?: string): string {
  return opt ?? process.env.RELAYER_CONFIG ?? DEFAULT_CONFIG;
}

function load(file: string): LoadedConfig {
  try {
    return loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

const program = new Command();
program.name("relayer").description("Allora hub -> EVM oracle relayer");

program
  .command("start")
  .description("run the daemon until SIGTERM/SIGINT")
  .option("-c, --config <file>", "YAML config (default $RELAYER_CONFIG or relayer/config/local.yaml)")
  .action(async (opts: { config?: string }) => {
    const config = load(configPath(opts.config));
    const log = createLogger(config.log.level, config.instance);
    // Before anything runs: a stray rejection is logged (not a crash loop), an uncaught exception exits 1.
    installProcessHandlers(log);
    let relayer: Awaited<ReturnType<typeof startRelayer>>;
    try {
      relayer = await startRelayer(config, { logger: log });
    } catch (e) {
      process.stderr.write(`relayer failed to start: ${(e as Error).message}\n`);
      process.exit(1);
    }
    let signals = 0;
    const shutdown = (sig: string) => {
      if (++signals > 1) {
        process.stderr.write(`second ${sig}: exiting now\n`);
        process.exit(1);
      }
      relayer.stop().then(
        () => process.exit(0),
        (e) => {
          process.stderr.write(`stop failed: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
  });

program
  .command("check-config")
  .description("validate the config; with --keys also load every key and print its address")
  .option("-c, --config <file>", "YAML config")
  .option("--keys", "load keys (env vars / keystores) too")
  .action(async (opts: { config?: string; keys?: boolean }) => {
    const file = configPath(opts.config);
    const config = load(file);
    const lines = [
      `config ${path.resolve(file)} is valid`,
      `instance ${config.instance}; ${describeRedis(config.redis)} prefix ${config.redis.prefix}`,
      `hub ${config.hub.chainId} via ${config.hub.rpcUrls.map(redactUrl).join(", ")}; topics ${config.hub.topics.join(", ")}`,
      ...config.chains.map(
        (c) =>
          `chain ${c.name} (${c.chainId}) oracle ${config.oracles[c.name]} via ${c.rpcUrls.map(redactUrl).join(", ")}; ${c.fees.strategy} fees capped at ${c.fees.maxFeePerGasGwei} gwei; submitter ${describeKeySource(c.submitter)}; policy ${config.hub.topics
            .map((t) => {
              const p = policyFor(config, c.name, t);
              return `${t}:${p.deviationBps}bps/${p.heartbeatSeconds}s`;
            })
            .join(" ")}`,
      ),
      `attesters: ${config.attesters.map(describeKeySource).join(", ") || "(none: submit-only instance)"}`,
    ];
    if (opts.keys) {
      const problems: string[] = [];
      for (const [i, a] of config.attesters.entries()) {
        await loadWallet(a, `attesters[${i}]`, config.baseDir).then(
          (w) => lines.push(`attesters[${i}] ${describeKeySource(a)} -> ${w.address}`),
          (e) => problems.push((e as Error).message),
        );
      }
      for (const [i, c] of config.chains.entries()) {
        await loadWallet(c.submitter, `chains[${i}].submitter`, config.baseDir).then(
          (w) => lines.push(`chains[${i}].submitter ${describeKeySource(c.submitter)} -> ${w.address}`),
          (e) => problems.push((e as Error).message),
        );
      }
      if (problems.length) {
        process.stderr.write(`keys:\n  - ${problems.join("\n  - ")}\n`);
        process.exit(1);
      }
    }
    process.stdout.write(lines.join("\n") + "\n");
  });

program
  .command("status")
  .description("print topics x chains (on-chain value, nonce, age, next due) and, with transfers, per route counts, in flight, the supply check and recent transfers (reads the chains and the hub directly)")
  .option("-c, --config <file>", "YAML config")
  .option("--json", "print JSON instead of a table")
  .action(async (opts: { config?: string; json?: boolean }) => {
    const config = load(configPath(opts.config));
    const log = pino({ level: "silent" });
    const now = Math.floor(Date.now() / 1000);
    const hubNonces = new Map<number, bigint>();
    let failed = false;
    const hub = new HubWatcher({ rpcUrls: config.hub.rpcUrls, websocket: false, pollIntervalMs: 1000, topics: config.hub.topics, labelled: config.hub.labelled }, log);
    try {
      await hub.connect();
      await Promise.all(
        config.hub.topics.map(async (t) => {
          try {
            hubNonces.set(t, await hub.latestNonceOf(t));
          } catch (e) {
            process.stderr.write(`hub: topic ${t}: ${sanitizeErrorText((e as Error).message.split("\n")[0])}\n`);
          }
        }),
      );
    } catch (e) {
      failed = true;
      process.stderr.write(`hub: ${sanitizeErrorText((e as Error).message)}\n`);
    } finally {
      await hub.stop().catch(() => undefined);
    }
    const rows: StatusRow[] = [];
    for (const c of config.chains) {
      const rpc = new FailoverRpc(c.name, c.rpcUrls, c.chainId, log);
      const reader = new OracleReader(rpc, config.oracles[c.name]);
      try {
        for (const t of config.hub.topics) rows.push(statusRow(c.name, t, await reader.latestInference(t), policyFor(config, c.name, t), now, hubNonces.get(t)));
      } catch (e) {
        failed = true;
        process.stderr.write(`chain ${c.name}: ${sanitizeErrorText((e as Error).message.split("\n")[0])}\n`);
      } finally {
        rpc.destroy();
      }
    }
    rows.sort((a, b) => a.topicId - b.topicId || a.chain.localeCompare(b.chain));
    let transfers: TransfersStatus | undefined;
    try {
      transfers = await readTransfersStatus(config);
    } catch (e) {
      failed = true;
      process.stderr.write(`transfers: ${sanitizeErrorText((e as Error).message.split("\n")[0])}\n`);
    }
    process.stdout.write(
      opts.json
        ? JSON.stringify({ topics: rows, transfers }, null, 2) + "\n"
        : formatStatusTable(rows, now) + "\n" + (transfers ? `\n${formatTransfersSection(transfers, Math.floor(Date.now() / 1000))}\n` : ""),
    );
    process.exit(failed ? 1 : 0);
  });

registerTransferCommands(program, (opt) => load(configPath(opt)));

program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
