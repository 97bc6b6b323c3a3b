import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { EVM_CHAINS, EVM_PEERS, type EvmChainName, type HubChainName } from "../../lib/chains";

/**
 * The Axelar GMP adapter of one EVM chain, wired up: each other EVM peer's adapter registered under its
 * Axelar chain name (lib/chains.ts, the one place that maps our names to Axelar's), and the adapter given
 * its limits on the token. Remote adapter addresses are parameters (`remote_<chainId>`), known once each
 * chain has deployed (with CREATE2 they are equal everywhere). The calls are sent by account 0, which must
 * hold the adapter's and the token's admin roles.
 *
 * Parameters (module id `AlloraAxelarAdapter`):
 * - `gateway`, `gasService` (addresses): Axelar's contracts on this chain (from Axelar's published list).
 * - `token`, `admin`, `guardian` (addresses).
 * - `remote_<chainId>` (address) for each other EVM peer.
 * - `tokenMintLimit`, `tokenBurnLimit` (base units per window).
 */
export function buildAlloraAxelarAdapterModule(chain: EvmChainName, hub: HubChainName) {
  const peers = EVM_PEERS[hub];
  if (!peers.includes(chain)) {
    throw new Error(
      `chain "${chain}" is not an EVM peer of hub "${hub}": expected one of ${peers.join(", ")}`,
    );
  }
  const remotes = peers.filter((p) => p !== chain).map((p) => EVM_CHAINS[p]);
  return buildModule("AlloraAxelarAdapter", (m) => {
    const tokenAddress = m.getParameter<string>("token");
    const adapter = m.contract("AlloraAxelarAdapter", [
      m.getParameter<string>("gateway"),
      m.getParameter<string>("gasService"),
      tokenAddress,
      m.getParameter<string>("admin"),
      m.getParameter<string>("guardian"),
    ]);
    for (const remote of remotes) {
      m.call(
        adapter,
        "setRemote",
        [BigInt(remote.chainId), remote.axelarName, m.getParameter<string>(`remote_${remote.chainId}`)],
        { id: `setRemote_${remote.chainId}` },
      );
    }
    const token = m.contractAt("AlloToken", tokenAddress);
    m.call(
      token,
      "setBridgeLimits",
      [adapter, m.getParameter<bigint>("tokenMintLimit"), m.getParameter<bigint>("tokenBurnLimit")],
      {
        id: "token_setBridgeLimits",
      },
    );
    return { adapter };
  });
}

/** The local devnet's Ethereum-side adapter. */
export default buildAlloraAxelarAdapterModule("ethereumLocal", "allora-devnet");
