import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { EVM_CHAINS, EVM_PEERS, HUB_CHAINS, type EvmChainName, type HubChainName } from "../../lib/chains";

/** Limits of one direction pair, in base units per window. */
export interface BridgeLimitsSpec {
  outbound: bigint;
  inbound: bigint;
}

/**
 * The AlloraBridge of one EVM chain (`chain`) in the network around hub `hub`, wired up: the hub and the
 * other EVM peers of that hub (lib/chains.ts) enabled both ways with the given limits, and the bridge given
 * its minting/burning limits on the token. The wiring calls are sent by account 0, which must hold the
 * bridge's admin role (`admin` = the deployer) and the token's admin role; hand the roles over afterwards.
 *
 * Parameters (module id `AlloraBridge`):
 * - `token` (address): the AlloToken on this chain.
 * - `admin`, `guardian` (addresses), `limitWindow` (seconds, e.g. 86400).
 * - `attesterSetId` (uint64 >= 1), `signers` (ascending addresses), `threshold` (> half of them).
 * - `hubLimitOut`, `hubLimitIn`, `evmLimitOut`, `evmLimitIn` (base units per window).
 * - `tokenMintLimit`, `tokenBurnLimit` (the token's per-bridge fence, base units per window).
 */
export function buildAlloraBridgeModule(
  chain: EvmChainName,
  hub: HubChainName,
  /** The peers' actual chain ids, when local chains run under other ids (deploy/bridge-sources.ts peerChainIds). */
  peerIds: Readonly<Partial<Record<EvmChainName, bigint>>> = {},
) {
  const peers = EVM_PEERS[hub];
  if (!peers.includes(chain)) {
    throw new Error(
      `chain "${chain}" is not an EVM peer of hub "${hub}": expected one of ${peers.join(", ")}`,
    );
  }
  const hubId = HUB_CHAINS[hub].bridgeChainId;
  const evmRemotes = peers.filter((p) => p !== chain).map((p) => peerIds[p] ?? BigInt(EVM_CHAINS[p].chainId));
  return buildModule("AlloraBridge", (m) => {
    const tokenAddress = m.getParameter<string>("token");
    const admin = m.getParameter<string>("admin");
    const guardian = m.getParameter<string>("guardian");
    const limitWindow = m.getParameter<bigint>("limitWindow", 86_400n);
    const attesterSetId = m.getParameter<bigint>("attesterSetId");
    const signers = m.getParameter<string[]>("signers");
    const threshold = m.getParameter<number>("threshold");
    const bridge = m.contract("AlloraBridge", [
      tokenAddress,
      hubId,
      limitWindow,
      admin,
      guardian,
      attesterSetId,
      signers,
      threshold,
    ]);
    const remotes: [string, bigint, "hub" | "evm"][] = [
      ["hub", hubId, "hub"],
      ...evmRemotes.map((id): [string, bigint, "evm"] => [`evm${id}`, id, "evm"]),
    ];
    for (const [label, id, kind] of remotes) {
      m.call(bridge, "setRemoteChainEnabled", [id, true, true], { id: `enable_${label}` });
      m.call(
        bridge,
        "setRemoteChainLimits",
        [id, m.getParameter<bigint>(`${kind}LimitOut`), m.getParameter<bigint>(`${kind}LimitIn`)],
        { id: `limits_${label}` },
      );
    }
    const token = m.contractAt("AlloToken", tokenAddress);
    m.call(
      token,
      "setBridgeLimits",
      [bridge, m.getParameter<bigint>("tokenMintLimit"), m.getParameter<bigint>("tokenBurnLimit")],
      {
        id: "token_setBridgeLimits",
      },
    );
    return { bridge };
  });
}

/** The local devnet's Ethereum-side bridge (chain `ethereumLocal`, hub `allora-devnet`). */
export default buildAlloraBridgeModule("ethereumLocal", "allora-devnet");
