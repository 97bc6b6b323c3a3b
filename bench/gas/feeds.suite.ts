/**
 * Gas of the read paths integrators use besides the strict read: the Chainlink-compatible feed adapter (V3
 * `latestRoundData`, V2 `latestAnswer`, each as its own transaction straight to the adapter, so comparable to
 * `oracle.latest.read`), and pull mode: `verifyAndStore` of a single report signed 3-of-5, in steady state
 * (the topic was written before; the report is newer, so it is stored).
 */
import type { GasSuite } from "./types";
import { oracleDomain, reportBatchDigest, reportBatchMessage, type OracleReport } from "../../lib/eip712/oracle";
import { combineSignatures, compareAddresses, signDigest } from "../../lib/eip712/signatures";

const ONE = 10n ** 18n;

const suite: GasSuite = async (hre) => {
  const { ethers } = hre;
  const [admin, guardian] = await ethers.getSigners();
  const attesters = Array.from({ length: 5 }, (_, i) => new ethers.Wallet(ethers.id(`bench-feed-attester-${i}`))).sort((a, b) =>
    compareAddresses(a.address, b.address),
  );
  const token = await (await ethers.getContractFactory("OracleMockAllo")).deploy();
  const oracle = await (
    await ethers.getContractFactory("AlloraOracle")
  ).deploy(admin.address, guardian.address, await token.getAddress(), 1n, attesters.map((a) => a.address), 3, ethers.ZeroAddress, 0);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = oracleDomain(chainId, await oracle.getAddress());
  const signOne = (r: OracleReport) => {
    const digest = reportBatchDigest(domain, reportBatchMessage(1n, [r]));
    return combineSignatures(digest, attesters.slice(0, 3).map((w) => signDigest(w.privateKey, digest)), { threshold: 3 });
  };
  const at = async (nonce: bigint): Promise<OracleReport> => ({
    topicId: 1n,
    value: 3_000n * ONE + nonce,
    nonce,
    timestamp: BigInt((await ethers.provider.getBlock("latest"))!.timestamp),
  });
  const gasOf = async (to: string, data: string): Promise<bigint> => {
    const receipt = await (await admin.sendTransaction({ to, data })).wait();
    if (!receipt || receipt.status !== 1) throw new Error(`transaction to ${to} failed`);
    return receipt.gasUsed;
  };

  const results: Record<string, bigint> = {};
  const first = await at(1_000n);
  await (await oracle.verifyAndStore(first, signOne(first))).wait();
  const next = await at(1_001n);
  results["oracle.pull.verifyAndStore.1topic.3of5"] = await gasOf(
    await oracle.getAddress(),
    oracle.interface.encodeFunctionData("verifyAndStore", [next, signOne(next)]),
  );

  const adapter = await (
    await ethers.getContractFactory("AlloraFeedAdapter")
  ).deploy(await oracle.getAddress(), 1n, 8, "ETH / USD (Allora topic 1)");
  const adapterAddress = await adapter.getAddress();
  results["feed.latestRoundData.read"] = await gasOf(adapterAddress, adapter.interface.encodeFunctionData("latestRoundData"));
  results["feed.latestAnswer.read"] = await gasOf(adapterAddress, adapter.interface.encodeFunctionData("latestAnswer"));
  return results;
};

export default suite;
