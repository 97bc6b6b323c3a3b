/**
 * The bridge's source bridges: per remote chain, the one bridge whose transfers the AlloraBridge mints
 * (`setRemoteSourceBridge`). deploy/stack.ts runs this after the bridge module, on every run (idempotent).
 *
 * - The hub: the escrow account `bridge.hubEscrow` (bech32) of the parameters, as `hubBridgeId` (its 20
 *   address bytes left-padded).
 * - Each other EVM peer of the hub network (lib/chains.ts): the AlloraBridge address in that chain's
 *   deployments/<network>.json, as `evmBridgeId`. A peer with no record yet is returned in `missing`: deploy
 *   there, then run the stack here again (the devnet's deployer does this second pass itself).
 *
 * Registering is part of enabling a remote: until its source bridge is registered, deliveries from it revert
 * with `UnknownSourceBridge`.
 *
 * Chain ids: a peer is enabled and registered under the chain id it actually has. For real chains that is the
 * registry's (lib/chains.ts); local chains may run under others (`DEVNET_<CHAIN>_CHAIN_ID`, the e2e tests'), and
 * then their Hardhat network config says which ({@link peerChainIds}). Wired by the registry's ids instead,
 * a transfer to such a chain would revert with `DestinationNotEnabled` and one from it with `UnknownSourceBridge`.
 */
import fs from "node:fs";
import { ethers } from "ethers";
import { EVM_CHAINS, EVM_PEERS, HUB_CHAINS, type EvmChainName, type HubChainName } from "../lib/chains";
import { evmBridgeId, hubBridgeId } from "../lib/eip712/bridge";
import type { AdminCall } from "./axelar";
import { isLocalNetwork } from "./parameters";
import { type DeploymentRecord, recordFile } from "./record";

/** One remote chain's source bridge, as far as this run knows. */
export interface ResolvedSource {
  /** The bridge's id of the remote chain. */
  chainId: bigint;
  /** Its name (lib/chains.ts), for the log. */
  name: string;
  /** The source bridge id (0x + 64 hex). */
  sourceBridge: string;
  /** Where it came from (for the log). */
  from: string;
}

/** The chain id each EVM peer of `hub` has (bigint), by lib/chains.ts name. */
export type PeerChainIds = Readonly<Partial<Record<EvmChainName, bigint>>>;

/**
 * The chain id each EVM peer of `hub` actually has. A local peer (not `production` in lib/chains.ts) whose
 * Hardhat network (`networks`, by the same name: ethereumLocal, bnbLocal, baseLocal) names a chain id runs
 * under that id; every other peer under the registry's. Pure: the decision of which ids get wired.
 */
export function peerChainIds(hub: HubChainName, networks: Readonly<Record<string, { chainId?: number } | undefined>>): PeerChainIds {
  const ids: Partial<Record<EvmChainName, bigint>> = {};
  for (const peer of EVM_PEERS[hub]) {
    const configured = networks[peer]?.chainId;
    ids[peer] = BigInt(!EVM_CHAINS[peer].production && configured !== undefined ? configured : EVM_CHAINS[peer].chainId);
  }
  return ids;
}

/** The Hardhat network name (deployments/<network>.json) of a lib/chains.ts chain. */
function networkOfChain(chain: EvmChainName): string {
  const renamed: Partial<Record<EvmChainName, string>> = { bnb: "bsc", bnbTestnet: "bscTestnet" };
  return renamed[chain] ?? chain;
}

/**
 * The source bridges of `chain`'s bridge in the network around `hub`: the hub escrow, and each other EVM peer's
 * bridge from its deployment record. Peers without a record (or without a bridge in it) are in `missing`.
 */
export function resolveBridgeSources(
  chain: EvmChainName,
  hub: HubChainName,
  hubEscrow: string,
  deploymentsDir: string | undefined,
  /** The peers' actual chain ids (default: the registry's). */
  peerIds: PeerChainIds = {},
): { sources: ResolvedSource[]; missing: EvmChainName[] } {
  const sources: ResolvedSource[] = [
    {
      chainId: HUB_CHAINS[hub].bridgeChainId,
      name: hub,
      sourceBridge: hubBridgeId(hubEscrow),
      from: `bridge.hubEscrow ${hubEscrow}`,
    },
  ];
  const missing: EvmChainName[] = [];
  for (const peer of EVM_PEERS[hub].filter((p) => p !== chain)) {
    const network = networkOfChain(peer);
    const file = recordFile(network, deploymentsDir);
    const record = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord) : undefined;
    const peerId = peerIds[peer] ?? BigInt(EVM_CHAINS[peer].chainId);
    if (record && BigInt(record.chainId) !== peerId) {
      // A real chain's record must be its own. A local chain's record for another id is an earlier run's, on
      // chains that have since restarted under other ids: that bridge is not this peer's.
      if (!isLocalNetwork(network)) {
        throw new Error(
          `${file} is for chain id ${record.chainId}, not ${peer} (${peerId}): fix the record ` +
            `before registering ${peer}'s bridge as a source`,
        );
      }
      missing.push(peer);
      continue;
    }
    const address = record?.contracts.AlloraBridge?.address;
    if (!address) {
      missing.push(peer);
      continue;
    }
    sources.push({
      chainId: peerId,
      name: peer,
      sourceBridge: evmBridgeId(address),
      from: file,
    });
  }
  return { sources, missing };
}

/**
 * Registers each resolved source bridge that differs from the bridge's registration. Sends when the deployer
 * holds the bridge's admin role, else returns the calls for the admin.
 */
export async function wireBridgeSources(
  bridge: ethers.Contract,
  deployer: ethers.Signer & { address: string },
  sources: ResolvedSource[],
  log: (line: string) => void,
): Promise<{ sent: string[]; pending: AdminCall[] }> {
  const sent: string[] = [];
  const pending: AdminCall[] = [];
  const bridgeAddress = await bridge.getAddress();
  const isAdmin = (await bridge.getFunction("hasRole")(ethers.ZeroHash, deployer.address)) as boolean;
  for (const s of sources) {
    const current = (await bridge.getFunction("remoteChain")(s.chainId)) as { sourceBridge: string };
    if (current.sourceBridge.toLowerCase() === s.sourceBridge.toLowerCase()) continue;
    const description =
      `AlloraBridge: accept transfers from ${s.name} (chain ${s.chainId}) sent by source bridge ` +
      `${s.sourceBridge} (from ${s.from})`;
    const data = bridge.interface.encodeFunctionData("setRemoteSourceBridge", [s.chainId, s.sourceBridge]);
    if (!isAdmin) {
      pending.push({ to: bridgeAddress, data, description });
      log(`pending (needs the bridge admin): ${description}`);
      continue;
    }
    const tx = await deployer.sendTransaction({ to: bridgeAddress, data });
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`${description}: transaction ${tx.hash} failed`);
    sent.push(description);
    log(description);
  }
  return { sent, pending };
}
