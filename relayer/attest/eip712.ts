/**
 * The relayer's view of the oracle's EIP-712 report digest, on the shared helpers in lib/eip712
 * (which the contract tests compare against AlloraOracle.hashReportBatch).
 */
import { SigningKey } from "ethers";
import { concat } from "ethers";
import { OracleReport } from "../../lib/eip712/oracle";
import { compareAddresses, recoverSignature } from "../../lib/eip712/signatures";
import { fastReportBatchDigest } from "./fast-digest";

export type { OracleReport };

/** The digest every attester signs for one batch on one chain, one oracle and one attester set. */
export function reportBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, reports: readonly OracleReport[]): string {
  if (reports.length === 0) throw new RangeError("a report batch needs at least one report");
  return fastReportBatchDigest(chainId, oracle, attesterSetId, reports);
}

/** A 65-byte r ‖ s ‖ v signature (v = 27/28, low s) over a digest; equal to signTypedData on the same message. */
export function signDigest(key: SigningKey, digest: string): string {
  return key.sign(digest).serialized;
}

/** The signer of a 65-byte signature, or undefined when it is malformed (Redis is untrusted). */
export function recoverSigner(digest: string, signature: string): string | undefined {
  try {
    return recoverSignature(digest, signature).signer;
    // (Mutation testing: emptying the catch block is an equivalent mutant, it returns undefined too; see docs/development.md.)
  } catch {
    return undefined;
  }
}

/**
 * Concatenates already-verified signatures (signer -> signature, see SignaturePool.valid) in ascending
 * signer order, as the contracts require. Verification happened once, on the way out of Redis.
 */
export function concatBySigner(bySigner: ReadonlyArray<readonly [string, string]>): string {
  return concat([...bySigner].sort(([a], [b]) => compareAddresses(a, b)).map(([, s]) => s));
}
