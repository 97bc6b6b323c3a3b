/**
 * The local EVM chains, several in ONE process: what `hardhat node` does (a Hardhat network provider
 * behind Hardhat's JSON-RPC server), once per chain, each with its own port, chain id and mining.
 * Run by the devnet as
 * `HARDHAT_CONFIG=scripts/devnet/hardhat.devnet.config.ts node -r hardhat/register scripts/devnet/chains-host.ts`
 * with DEVNET_CHAINS_JSON = [{"name","port","chainId","blockTimeMs"}, ...].
 *
 * Why: three `hardhat node` processes load Hardhat three times (seconds of CPU each on a small machine);
 * this loads it once. Mining starts as automine (fast deployment); the devnet then sets each chain's
 * block time over RPC (evm_setIntervalMining). Stops on SIGTERM/SIGINT.
 */
import hre from "hardhat";
import { createProvider } from "hardhat/internal/core/providers/construction";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import type { HardhatConfig, HardhatNetworkConfig } from "hardhat/types";

interface HostedChain {
  name: string;
  port: number;
  chainId: number;
}

function parseChains(): HostedChain[] {
  const raw = process.env.DEVNET_CHAINS_JSON;
  if (!raw) throw new Error("DEVNET_CHAINS_JSON is not set (a JSON list of {name, port, chainId})");
  return JSON.parse(raw) as HostedChain[];
}

async function main(): Promise<void> {
  const chains = parseChains();
  const servers = await Promise.all(
    chains.map(async (chain) => {
      const base = hre.config.networks.hardhat as HardhatNetworkConfig;
      const config: HardhatConfig = {
        ...hre.config,
        networks: {
          ...hre.config.networks,
          hardhat: { ...base, chainId: chain.chainId, mining: { ...base.mining, auto: true, interval: 0 } },
        },
      };
      const provider = await createProvider(config, "hardhat", hre.artifacts);
      const server = new JsonRpcServer({ hostname: "127.0.0.1", port: chain.port, provider });
      const { address, port } = await server.listen();
      console.log(`${chain.name}: chain id ${chain.chainId} at http://${address}:${port}`);
      return server;
    }),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  await new Promise<never>(() => {}); // serve until stopped
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
