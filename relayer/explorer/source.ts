/** The transfers section's sources from a relayer config: the hub's client and each bridged chain's provider. */
import { JsonRpcProvider, type Provider } from "ethers";
import { Comet38Client, type CometClient } from "@cosmjs/tendermint-rpc";
import { cosmosBridgeChainId } from "../../lib/chains";
import type { LoadedConfig } from "../config/load";
import { depositRulesOf, hubPrefixOf } from "../config/transfers";
import { transfersStatus, type TransfersStatus } from "../status";
import { BlockTimes, readTransfers, type TransfersSource } from "./transfers";

/** Undefined when the config carries no transfers. */
export function transfersSourceOf(config: LoadedConfig, comet: CometClient, providerOf: (chain: string) => Provider): TransfersSource | undefined {
  const t = config.transfers;
  if (!t?.enabled) return undefined;
  return {
    comet,
    hubChain: cosmosBridgeChainId(config.hub.chainId),
    hubPrefix: hubPrefixOf(t),
    escrow: t.escrow.address,
    denom: t.denom,
    startHeight: BigInt(t.startHeight),
    float: BigInt(t.escrow.float),
    rules: depositRulesOf(t, config.chains.map((c) => c.chainId)),
    chains: config.chains
      .filter((c) => t.bridges[c.name])
      .map((c) => ({ name: c.name, chainId: BigInt(c.chainId), provider: providerOf(c.name), bridge: t.bridges[c.name].address, startBlock: t.bridges[c.name].startBlock })),
  };
}

/** One reading of the transfers section for `relayer status` (its own clients, closed after). */
export async function readTransfersStatus(config: LoadedConfig): Promise<TransfersStatus | undefined> {
  if (!config.transfers?.enabled) return undefined;
  const comet = await Comet38Client.connect(config.hub.rpcUrls[0]);
  const providers = new Map(config.chains.map((c) => [c.name, new JsonRpcProvider(c.rpcUrls[0], c.chainId, { staticNetwork: true, cacheTimeout: -1 })]));
  try {
    return transfersStatus(await readTransfers(transfersSourceOf(config, comet, (name) => providers.get(name)!)!, new BlockTimes()));
  } finally {
    comet.disconnect();
    for (const p of providers.values()) p.destroy();
  }
}
