/**
 * Test plumbing for the transfer pipeline, over the relayer tests' shared helpers: Hardhat nodes (one per chain id), and the
 * token + bridge deployed and wired as the deploy stack wires them (hub and peers enabled with limits, source
 * bridges registered, the bridge's token limits set). DEVNET/TEST ONLY keys (the public Hardhat mnemonic).
 */
import { Contract, ContractFactory, getAddress, NonceManager, Wallet } from "ethers";
import { hardhatAccount } from "../../../scripts/lib/dev-keys";
import { readArtifact, startHardhat, type HardhatNode } from "../helpers";

export interface TestChain extends HardhatNode {
  chainId: bigint;
}

/** A Hardhat node for `chainId` (a block per transaction), polled every 50 ms. */
export async function startChain(chainId: number): Promise<TestChain> {
  const node = await startHardhat(chainId);
  node.provider.pollingInterval = 50;
  return { ...node, chainId: BigInt(chainId) };
}

export interface Deployed {
  token: Contract;
  bridge: Contract;
  admin: NonceManager;
}

/** AlloToken + AlloraBridge (set 1, `signers`, `threshold`) on `chain`; wire with {@link wireRemote}. */
export async function deployBridge(chain: TestChain, hubChain: bigint, signers: string[], threshold: number, limitWindow = 3600): Promise<Deployed> {
  const admin = new NonceManager(new Wallet(hardhatAccount(0).privateKey, chain.provider));
  const adminAddress = await admin.getAddress();
  const t = readArtifact("token/AlloToken.sol/AlloToken");
  const token = (await (await new ContractFactory(t.abi, t.bytecode, admin).deploy(adminAddress)).waitForDeployment()) as Contract;
  const b = readArtifact("bridge/AlloraBridge.sol/AlloraBridge");
  const sorted = signers.map((s) => getAddress(s)).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
  const bridge = (await (
    await new ContractFactory(b.abi, b.bytecode, admin).deploy(await token.getAddress(), hubChain, limitWindow, adminAddress, adminAddress, 1, sorted, threshold)
  ).waitForDeployment()) as Contract;
  const cap = 10n ** 24n;
  await (await token.setBridgeLimits(await bridge.getAddress(), cap, cap)).wait();
  return { token, bridge, admin };
}

/** Enables `remote` both ways on `d.bridge` with `capacity` per direction and registers its source bridge. */
export async function wireRemote(d: Deployed, remote: bigint, sourceBridge: string, capacity = 10n ** 24n, inbound = capacity): Promise<void> {
  await (await d.bridge.setRemoteChainEnabled(remote, true, true)).wait();
  await (await d.bridge.setRemoteChainLimits(remote, capacity, inbound)).wait();
  await (await d.bridge.setRemoteSourceBridge(remote, sourceBridge)).wait();
}
