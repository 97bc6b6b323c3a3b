/**
 * The attesters of this instance (one key each). For a job they check its reports against the hub, then
 * sign the batch digest for the job's chain with every local key that is in the chain's current attester
 * set, and put the signatures into the pool. Signing is idempotent (already-signed digests are skipped).
 */
import { Wallet } from "ethers";
import type { Logger } from "pino";
import { JobReport } from "../queue/jobs";
import { OracleReport, reportBatchDigest, signDigest } from "./eip712";
import { SignaturePool } from "./pool";
import { InferenceVerifier } from "./verifier";
import type { AttesterSet } from "../evm/oracle";

export interface AttestTarget {
  name: string;
  chainId: number;
  oracle: string;
  attesterSet(): Promise<AttesterSet>;
}

export function toOracleReports(reports: readonly JobReport[]): OracleReport[] {
  return reports.map((r) => ({ topicId: BigInt(r.topicId), value: BigInt(r.value), nonce: BigInt(r.nonce), timestamp: BigInt(r.timestamp) }));
}

const SIGNED_MEMORY = 10_000;

export class Attesters {
  private readonly signed = new Set<string>();
  private readonly refused = new Set<string>();

  constructor(
    readonly wallets: Wallet[],
    private readonly pool: SignaturePool,
    private readonly verifier: InferenceVerifier,
    private readonly log: Logger,
  ) {}

  get addresses(): string[] {
    return this.wallets.map((w) => w.address);
  }

  /** Signs the job's batch for `target`; returns the digest. */
  async attest(target: AttestTarget, reports: readonly JobReport[], jobId: string): Promise<{ digest: string; set: AttesterSet }> {
    const set = await target.attesterSet();
    const digest = reportBatchDigest(target.chainId, target.oracle, set.id, toOracleReports(reports));
    const mine = this.wallets.filter((w) => set.signers.includes(w.address) && !this.signed.has(`${digest}:${w.address}`));
    if (mine.length === 0 || this.refused.has(digest)) return { digest, set };
    const problem = await this.verifier.check(reports);
    if (problem) {
      this.refused.add(digest);
      if (this.refused.size > SIGNED_MEMORY) this.refused.delete(this.refused.values().next().value as string);
      this.log.error({ chain: target.name, jobId, problem }, "refusing to sign a job that does not match the hub");
      return { digest, set };
    }
    for (const w of mine) {
      await this.pool.put(digest, w.address, signDigest(w.signingKey, digest));
      this.signed.add(`${digest}:${w.address}`);
      if (this.signed.size > SIGNED_MEMORY) this.signed.delete(this.signed.values().next().value as string);
    }
    return { digest, set };
  }
}
