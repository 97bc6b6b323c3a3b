/** Shared fixtures for the oracle and attester-set tests: wallets, deployment, signing. */
import { ethers } from "hardhat";
import type { BaseWallet } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  oracleDomain,
  reportBatchDigest,
  reportBatchMessage,
  type OracleReport,
  type OracleReportInput,
} from "../../../lib/eip712/oracle";
import { combineSignatures, compareAddresses, signDigest } from "../../../lib/eip712/signatures";
import type { AlloToken, AlloraOracle } from "../../../typechain-types";

export const ONE = 10n ** 18n;

/** `n` deterministic attester wallets, sorted by address. */
export function attesters(n: number, seed = "attester"): BaseWallet[] {
  const wallets = Array.from({ length: n }, (_, i) => new ethers.Wallet(ethers.id(`${seed}-${i}`)));
  return wallets.sort((a, b) => compareAddresses(a.address, b.address));
}

export interface OracleFixture {
  oracle: AlloraOracle;
  /** The real ALLO token, the oracle's fee token (fund accounts with {@link fundAllo}). */
  token: AlloToken;
  signers: BaseWallet[];
  threshold: number;
  setId: bigint;
  chainId: bigint;
}

/**
 * Deploys ALLO (the real AlloToken) and an oracle with an `m`-of-`n` set (id 1). Signer 0 is admin, 1 guardian. `sequencer`:
 * the strict read's L2 sequencer guard (default: none).
 */
export async function deployOracle(
  n = 5,
  m = 3,
  sequencer: { feed: string; gracePeriod: number } = { feed: ethers.ZeroAddress, gracePeriod: 0 },
): Promise<OracleFixture> {
  const [admin, guardian] = await ethers.getSigners();
  const token = await ethers.deployContract("AlloToken", [admin.address]);
  const signers = attesters(n);
  const oracle = await (
    await ethers.getContractFactory("AlloraOracle")
  ).deploy(
    admin.address,
    guardian.address,
    await token.getAddress(),
    1n,
    signers.map((s) => s.address),
    m,
    sequencer.feed,
    sequencer.gracePeriod,
  );
  const { chainId } = await ethers.provider.getNetwork();
  return { oracle, token, signers, threshold: m, setId: 1n, chainId };
}

/**
 * Gives `to` `amount` ALLO. AlloToken mints only through a registered bridge, so the admin (signer 0)
 * registers itself as one, with limits for this amount, and mints as the bridges do.
 */
export async function fundAllo(token: AlloToken, to: string, amount: bigint): Promise<void> {
  const [admin] = await ethers.getSigners();
  await token.connect(admin).setBridgeLimits(admin.address, amount, 0n);
  await token.connect(admin).crosschainMint(to, amount);
}

/** Signs `reports` for `oracleAddress` on `chainId` under `setId` by `wallets`; returns combined bytes. */
export function signReports(
  wallets: BaseWallet[],
  reports: OracleReportInput[],
  opts: { chainId: bigint; oracle: string; setId: bigint },
): string {
  const digest = reportBatchDigest(
    oracleDomain(opts.chainId, opts.oracle),
    reportBatchMessage(opts.setId, reports),
  );
  return combineSignatures(
    digest,
    wallets.map((w) => signDigest(w.privateKey, digest)),
    { threshold: 1 },
  );
}

/** Signs for the fixture's oracle with its first `m` attesters. */
export async function sign(
  f: OracleFixture,
  reports: OracleReportInput[],
  wallets?: BaseWallet[],
): Promise<string> {
  return signReports(wallets ?? f.signers.slice(0, f.threshold), reports, {
    chainId: f.chainId,
    oracle: await f.oracle.getAddress(),
    setId: f.setId,
  });
}

/** A report stamped at the chain's current time. */
export async function report(topicId: bigint, value: bigint, nonce: bigint): Promise<OracleReport> {
  return { topicId, value, nonce, timestamp: BigInt(await time.latest()) };
}

/** Raw concatenation (no sorting or dedup), for building adversarial signature sets. */
export function rawSignatures(wallets: BaseWallet[], digest: string): string {
  return ethers.concat(wallets.map((w) => signDigest(w.privateKey, digest)));
}
