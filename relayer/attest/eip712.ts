/**
 * The relayer's view of the oracle's EIP-712 report digest, on the shared helpers in lib/eip712
 * (which the contract tests compare against AlloraOracle.hashReportBatch).
 */
import { SigningKey } from "ethers";
import { OracleReport, oracleDomain, reportBatchDigest as libDigest, reportBatchMessage } from "../../lib/eip712/oracle";
import { combineSignatures as libCombine, recoverSignature } from "../../lib/eip712/signatures";

export type { OracleReport };

/** The digest every attester signs for one batch on one chain, one oracle and one attester set. */
export function reportBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, reports: readonly OracleReport[]): string {
  return libDigest(oracleDomain(chainId, oracle), reportBatchMessage(attesterSetId, [...reports]));
}

/** A 65-byte r ‖ s ‖ v signature (v = 27/28, low s) over a digest; equal to signTypedData on the same message. */
export function signDigest(key: SigningKey, digest: string): string {
  return key.sign(digest).serialized;
}

/** The signer of a 65-byte signature, or undefined when it is malformed (Redis is untrusted). */
export function recoverSigner(digest: string, signature: string): string | undefined {
  try {
    return recoverSignature(digest, signature).signer;
  } catch {
    return undefined;
  }
}

/** Exactly `threshold` signatures from `allowed` signers, ascending by signer, concatenated. */
export function combineThreshold(digest: string, signatures: readonly string[], allowed: readonly string[], threshold: number): string {
  return libCombine(digest, signatures, { threshold, allowedSigners: allowed });
}
