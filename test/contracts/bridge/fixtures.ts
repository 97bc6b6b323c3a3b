/**
 * Shared set-up for the bridge tests: a token, a bridge with a 3-of-5 attester set, and helpers that sign
 * transfers the way attesters do (lib/eip712/bridge.ts).
 */
import { ethers } from "hardhat";
import { Wallet, Signature } from "ethers";
import type { BaseContract } from "ethers";
import { toBech32 } from "@cosmjs/encoding";
import { HUB_CHAINS } from "../../../lib/chains";
import { combineTransferSignatures, evmBridgeId, hubBridgeId, transferDigest } from "../../../lib/eip712/bridge";
import type { AlloToken, AlloraBridge } from "../../../typechain-types";

export const HUB = HUB_CHAINS["allora-devnet"].bridgeChainId;
export const WINDOW = 86_400n;
export const ONE = 10n ** 18n;
export const OUT_CAP = 1_000_000n * ONE;
export const IN_CAP = 1_000_000n * ONE;
/** Two remote EVM chains besides this one (31337). */
export const BNB = 31338n;
export const BASE = 31339n;

/** The hub escrow account whose transfers the fixture's bridge accepts from the hub (20 fixed bytes). */
export const HUB_ESCROW = toBech32("allo", new Uint8Array(20).fill(0xe5));
/** The source bridges the fixture registers: the hub escrow, and a (pretend) peer bridge per EVM chain. */
export const SOURCE_BRIDGES: Readonly<Record<string, string>> = {
  [HUB.toString()]: hubBridgeId(HUB_ESCROW),
  [BNB.toString()]: evmBridgeId("0x000000000000000000000000000000000000b0b0"),
  [BASE.toString()]: evmBridgeId("0x000000000000000000000000000000000000ba5e"),
};

/**
 * The source bridge of `chain` in these tests: the registered one for the hub and the two EVM peers, else an
 * id made of the chain number (register it with setRemoteSourceBridge when a test enables such a chain).
 */
export function src(chain: bigint): string {
  return SOURCE_BRIDGES[chain.toString()] ?? evmBridgeId(`0x${chain.toString(16).padStart(40, "0")}`);
}

export enum Direction {
  Outbound = 0,
  Inbound = 1,
}
export enum DeliveryStatus {
  Minted = 0,
  Queued = 1,
  AlreadyDelivered = 2,
}

/** `n` random attester wallets sorted ascending by address (the order the contract wants). */
export function makeAttesters(n: number): Wallet[] {
  const wallets = Array.from({ length: n }, () => Wallet.createRandom() as unknown as Wallet);
  return wallets.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** A valid hub account (20 random bytes unless given). */
export function hubAccount(bytes?: Uint8Array): string {
  return toBech32("allo", bytes ?? ethers.randomBytes(20));
}

export interface Inbound {
  sourceChain: bigint;
  /** Default: {@link src}(sourceChain). */
  sourceBridge?: string;
  sequence: bigint;
  recipient: string;
  amount: bigint;
}

/** Signs `t` for `bridge` (at its chain) under `setId` with each of `signers`, and combines the signatures. */
export async function attest(
  bridge: BaseContract,
  t: Inbound,
  signers: readonly Wallet[],
  setId = 1n,
  chainId?: bigint,
): Promise<string> {
  const digest = transferDigest(
    {
      chainId: chainId ?? (await ethers.provider.getNetwork()).chainId,
      verifyingContract: await bridge.getAddress(),
    },
    { setId, ...t, sourceBridge: t.sourceBridge ?? src(t.sourceChain) },
  );
  return combineTransferSignatures(
    digest,
    signers.map((w) => w.signingKey.sign(digest).serialized),
  );
}

/** The raw 65-byte signature of `signer` over a digest, without reordering. */
export function rawSignature(signer: Wallet, digest: string): Signature {
  return signer.signingKey.sign(digest);
}

export interface BridgeFixture {
  token: AlloToken;
  bridge: AlloraBridge;
  attesters: Wallet[];
  admin: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  guardian: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  alice: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  bob: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  relayer: Awaited<ReturnType<typeof ethers.getSigners>>[number];
}

/** Token + bridge (3-of-5, set id 1), hub and two EVM chains enabled both ways, alice funded. */
export async function deployBridge(): Promise<BridgeFixture> {
  const [admin, guardian, alice, bob, relayer] = await ethers.getSigners();
  const token = await ethers.deployContract("AlloToken", [admin.address]);
  const attesters = makeAttesters(5);
  const bridge = await ethers.deployContract("AlloraBridge", [
    await token.getAddress(),
    HUB,
    WINDOW,
    admin.address,
    guardian.address,
    1n,
    attesters.map((a) => a.address),
    3,
  ]);
  await token.setBridgeLimits(await bridge.getAddress(), 10n * OUT_CAP, 10n * OUT_CAP);
  for (const chain of [HUB, BNB, BASE]) {
    await bridge.setRemoteChainEnabled(chain, true, true);
    await bridge.setRemoteChainLimits(chain, OUT_CAP, IN_CAP);
    await bridge.setRemoteSourceBridge(chain, src(chain));
  }
  // The admin acts as a second bridge (the faucet of these tests): AlloToken mints only through bridges.
  await token.setBridgeLimits(admin.address, 10n * OUT_CAP, 10n * OUT_CAP);
  await token.crosschainMint(alice.address, 1000n * ONE);
  return { token, bridge, attesters, admin, guardian, alice, bob, relayer };
}
