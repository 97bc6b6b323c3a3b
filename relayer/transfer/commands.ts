/**
 * `relayer transfer <ref>` and `relayer reconcile`: one transfer's stages, and the supply reconciliation,
 * read from the chains and the hub the config names (never from Redis).
 */
import type { Command } from "commander";
import { JsonRpcProvider } from "ethers";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { cosmosBridgeChainId } from "../../lib/chains";
import type { LoadedConfig } from "../config/load";
import { depositRulesOf, hubPrefixOf, type TransfersConfig } from "../config/transfers";
import { readReconciliation } from "./inflight";
import { formatAllo } from "./reconcile";
import { trackTransfer } from "./track";
import { gmpOf } from "./axelar/config";
import type { AxelarGmp } from "./axelar/gmp";

interface Reader {
  comet: Comet38Client;
  providers: JsonRpcProvider[];
  t: TransfersConfig;
  chains: { name: string; chainId: bigint; provider: JsonRpcProvider; bridge: string; startBlock: number; confirmations: number }[];
  close(): void;
}

async function reader(config: LoadedConfig): Promise<Reader> {
  const t = config.transfers;
  if (!t?.enabled) throw new Error("this config has no enabled `transfers` section (fix: add one, see relayer/transfer/README.md)");
  const comet = await Comet38Client.connect(config.hub.rpcUrls[0]);
  const providers: JsonRpcProvider[] = [];
  const chains = config.chains
    .filter((c) => t.bridges[c.name])
    .map((c) => {
      const provider = new JsonRpcProvider(c.rpcUrls[0], c.chainId, { staticNetwork: true, cacheTimeout: -1 });
      providers.push(provider);
      return { name: c.name, chainId: BigInt(c.chainId), provider, bridge: t.bridges[c.name].address, startBlock: t.bridges[c.name].startBlock, confirmations: c.confirmations };
    });
  return {
    comet,
    providers,
    t,
    chains,
    close() {
      comet.disconnect();
      for (const p of providers) p.destroy();
    },
  };
}

const rulesOf = (config: LoadedConfig, t: TransfersConfig) => depositRulesOf(t, config.chains.map((c) => c.chainId));

export function registerTransferCommands(program: Command, loadFrom: (opt?: string) => LoadedConfig): void {
  program
    .command("transfer <ref>")
    .description("one transfer's stages (sent, confirmed k/N, delivered or queued, released/refunded; over Axelar: sent, confirmed, approved, executed) by transfer id, EVM tx hash or hub tx hash")
    .option("-c, --config <file>", "YAML config")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { config?: string; json?: boolean }) => {
      const config = loadFrom(opts.config);
      const r = await reader(config);
      try {
        const hubChain = cosmosBridgeChainId(config.hub.chainId);
        const axelar = r.t.axelar;
        let gmp: AxelarGmp | undefined;
        const result = await trackTransfer(
          {
            comet: r.comet,
            hubChain,
            hubPrefix: hubPrefixOf(r.t),
            escrow: r.t.escrow.address,
            startHeight: BigInt(r.t.startHeight),
            rules: rulesOf(config, r.t),
            chains: r.chains,
            // Axelar's status is asked only for an adapter send (the SDK takes seconds to load).
            axelar: axelar && { adapters: axelar.adapters, gmp: () => (gmp ??= gmpOf(axelar)) },
          },
          ref,
        );
        if (!result) {
          process.stderr.write(`no transfer found for ${ref} (fix: give a transfer id, the source tx hash on an EVM chain, or the hub deposit's tx hash)\n`);
          process.exitCode = 1;
          return;
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
          return;
        }
        const lines = [`transfer ${result.transferId}  ${result.route}  ${formatAllo(result.amount)} ALLO -> ${result.recipient}`];
        for (const s of result.stages) {
          const when = s.time ? ` at ${new Date(s.time * 1000).toISOString()}` : "";
          lines.push(`  ${s.done ? "✔" : "…"} ${s.stage.padEnd(10)} ${s.detail}${s.txHash ? `  tx ${s.txHash}` : ""}${when}`);
        }
        lines.push(result.final ? "  done" : "  in flight");
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        r.close();
      }
    });

  program
    .command("reconcile")
    .description("escrow backing vs EVM supply + in flight, from the hub and the chains; exits 1 on a mismatch")
    .option("-c, --config <file>", "YAML config")
    .option("--json", "print JSON")
    .action(async (opts: { config?: string; json?: boolean }) => {
      const config = loadFrom(opts.config);
      const r = await reader(config);
      try {
        const report = await readReconciliation({
          comet: r.comet,
          hubChain: cosmosBridgeChainId(config.hub.chainId),
          hubPrefix: hubPrefixOf(r.t),
          escrow: r.t.escrow.address,
          denom: r.t.denom,
          startHeight: BigInt(r.t.startHeight),
          float: BigInt(r.t.escrow.float),
          rules: rulesOf(config, r.t),
          chains: r.chains,
          axelarAdapters: r.t.axelar?.adapters,
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
        } else {
          const lines = report.rows.map((row) => `${row.what.padEnd(32)} ${formatAllo(row.amount).padStart(34)} ALLO`);
          for (const f of report.inFlightTransfers) lines.push(`  in flight: ${f.route} ${formatAllo(f.amount)} ALLO (${f.stage}) ${f.transferId}`);
          lines.push(report.ok ? "balanced" : `MISMATCH: delta ${formatAllo(report.delta)} ALLO`);
          process.stdout.write(lines.join("\n") + "\n");
        }
        if (!report.ok) process.exitCode = 1;
      } finally {
        r.close();
      }
    });
}
