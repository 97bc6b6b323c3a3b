/**
 * Gas of AlloraOracle in steady state: every measured submit rewrites topics that were written once
 * before, as its own transaction (so the topic slots, the attester-set slot and its signer list are cold,
 * as on a live chain).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseWallet } from "ethers";
import type { GasSuite } from "./types";
import {
  oracleDomain,
  reportBatchDigest,
  reportBatchMessage,
  packReports,
  type OracleReport,
} from "../../lib/eip712/oracle";
import { combineSignatures, compareAddresses, signDigest } from "../../lib/eip712/signatures";

const ONE = 10n ** 18n;

function wallets(hre: HardhatRuntimeEnvironment, n: number): BaseWallet[] {
  const list = Array.from(
    { length: n },
    (_, i) => new hre.ethers.Wallet(hre.ethers.id(`bench-attester-${i}`)),
  );
  return list.sort((a, b) => compareAddresses(a.address, b.address));
}

const suite: GasSuite = async (hre) => {
  const { ethers } = hre;
  const [admin, guardian] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  const token = await (await ethers.getContractFactory("OracleMockAllo")).deploy();

  async function deploy(n: number, m: number) {
    const signers = wallets(hre, n);
    const oracle = await (
      await ethers.getContractFactory("AlloraOracle")
    ).deploy(
      admin.address,
      guardian.address,
      await token.getAddress(),
      1n,
      signers.map((s) => s.address),
      m,
      ethers.ZeroAddress,
      0,
    );
    const domain = oracleDomain(chainId, await oracle.getAddress());
    /** Submits `reports` signed by the first `m` attesters; returns the transaction's gasUsed. */
    async function submit(reports: OracleReport[]): Promise<bigint> {
      const digest = reportBatchDigest(domain, reportBatchMessage(1n, reports));
      const signatures = combineSignatures(
        digest,
        signers.slice(0, m).map((w) => signDigest(w.privateKey, digest)),
        { threshold: m },
      );
      const receipt = await (await oracle.submit(packReports(reports), signatures)).wait();
      if (!receipt) throw new Error("submit: no receipt");
      return receipt.gasUsed;
    }
    return { oracle, submit };
  }

  /** Reports for `topics` topics at hub height `nonce`, with realistic magnitudes (prices around 3,000). */
  async function batch(topics: number, nonce: bigint): Promise<OracleReport[]> {
    const block = await ethers.provider.getBlock("latest");
    const timestamp = BigInt(block!.timestamp);
    return Array.from({ length: topics }, (_, i) => ({
      topicId: BigInt(i + 1),
      value: 3_000n * ONE + nonce * 1_234_567_890_123n + BigInt(i) * ONE,
      nonce,
      timestamp,
    }));
  }

  const results: Record<string, bigint> = {};

  const oneOfOne = await deploy(1, 1);
  await oneOfOne.submit(await batch(1, 1_000_000n));
  results["oracle.submit.1topic.1of1"] = await oneOfOne.submit(await batch(1, 1_000_005n));

  const threeOfFive = await deploy(5, 3);
  await threeOfFive.submit(await batch(100, 1_000_000n));
  results["oracle.submit.1topic.3of5"] = await threeOfFive.submit(await batch(1, 1_000_005n));
  results["oracle.submit.10topics.3of5"] = await threeOfFive.submit(await batch(10, 1_000_010n));
  results["oracle.submit.100topics.3of5"] = await threeOfFive.submit(await batch(100, 1_000_015n));
  // Average cost of one more topic in a batch (what the relayer's per-topic target is about). A difference of
  // two single transactions would be noise-prone: calldata gas varies with the zero bytes of each value.
  results["oracle.submit.100topics.3of5.perTopic"] =
    (results["oracle.submit.100topics.3of5"] - results["oracle.submit.1topic.3of5"]) / 99n;

  // A consumer contract's strict read of one topic, as its own transaction.
  const consumer = await (
    await ethers.getContractFactory("OracleConsumerExample")
  ).deploy(await threeOfFive.oracle.getAddress(), 3600n, 0n, 10n ** 30n);
  const tx = await admin.sendTransaction({
    to: await consumer.getAddress(),
    data: consumer.interface.encodeFunctionData("read", [1n]),
  });
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error("consumer read failed");
  results["oracle.latest.read"] = receipt.gasUsed;
  return results;
};

export default suite;
