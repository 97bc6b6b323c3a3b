/**
 * The oracle's EIP-712 report digest (IAlloraOracle: domain {name "AlloraOracle", version "1", chainId,
 * verifyingContract}; message ReportBatch(uint64 attesterSetId,Report[] reports)).
 * TODO(lib/eip712): switch to lib/eip712/oracle.ts once it lands on main; this file then only re-exports.
 */
import { Signature, SigningKey, TypedDataEncoder, getAddress, recoverAddress } from "ethers";

export interface OracleReport {
  topicId: bigint;
  value: bigint;
  nonce: bigint;
  timestamp: bigint;
}

export const REPORT_BATCH_TYPES = {
  ReportBatch: [
    { name: "attesterSetId", type: "uint64" },
    { name: "reports", type: "Report[]" },
  ],
  Report: [
    { name: "topicId", type: "uint64" },
    { name: "value", type: "int256" },
    { name: "nonce", type: "uint64" },
    { name: "timestamp", type: "uint64" },
  ],
};

export function oracleDomain(chainId: bigint | number, oracle: string) {
  return { name: "AlloraOracle", version: "1", chainId: BigInt(chainId), verifyingContract: getAddress(oracle) };
}

/** The digest every attester signs for one batch on one chain, one oracle and one attester set. */
export function reportBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, reports: readonly OracleReport[]): string {
  return TypedDataEncoder.hash(oracleDomain(chainId, oracle), REPORT_BATCH_TYPES, { attesterSetId, reports });
}

/** A 65-byte r ‖ s ‖ v signature (v = 27/28, low s) over a digest. */
export function signDigest(key: SigningKey, digest: string): string {
  return key.sign(digest).serialized;
}

/** The signer of a 65-byte signature, or undefined when it does not parse or recover. */
export function recoverSigner(digest: string, signature: string): string | undefined {
  try {
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
    return recoverAddress(digest, Signature.from(signature));
  } catch {
    return undefined;
  }
}

/** Concatenates signatures in strictly ascending signer address order, as the contract requires. */
export function combineSignatures(bySigner: ReadonlyMap<string, string>): string {
  const sorted = [...bySigner.entries()].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return "0x" + sorted.map(([, s]) => s.slice(2)).join("");
}
