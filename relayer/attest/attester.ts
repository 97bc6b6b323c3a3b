/**
 * The attesters of this instance (one key each). For a job they check that it is a batch this relayer
 * would build (served topics, once each, within maxBatchSize, newer than the chain: policy/job-check.ts)
 * and that its reports are what the hub says, then sign the batch digest for the job's chain with every local key that is in the chain's current attester
 * set, and put the signatures into the pool. Signing is idempotent (already-signed digests are skipped).
 */
import { createHash } from "node:crypto";
import { Wallet } from "ethers";
import type { Logger } from "pino";
import { JobReport } from "../queue/jobs";
import { OracleReport, reportBatchDigest } from "./eip712";
import { SignaturePool } from "./pool";
import { InferenceVerifier } from "./verifier";
import type { AttesterSet } from "../evm/oracle";
import { checkJobReports, RefusalReason } from "../policy/job-check";
import { trimOldest } from "./bounded";
import type { SynthesisGuard } from "./synthesis-guard";

export interface AttestTarget {
  name: string;
  chainId: number;
  oracle: string;
  attesterSet(): Promise<AttesterSet>;
  /** the topics this relayer serves (config hub.topics) */
  topics: readonly number[];
  maxBatchSize: number;
  /** the nonce this instance knows to be on chain for a topic */
  onchainNonce(topicId: number): bigint | undefined;
}

export function toOracleReports(reports: readonly JobReport[]): OracleReport[] {
  return reports.map((r) => ({ topicId: BigInt(r.topicId), value: BigInt(r.value), nonce: BigInt(r.nonce), timestamp: BigInt(r.timestamp) }));
}

const SIGNED_MEMORY = 10_000;

export class Attesters {
  /** content hash -> EIP-712 digest: the same job is attested up to three times (scheduler, poll, worker) */
  private readonly digests = new Map<string, string>();
  private readonly signed = new Set<string>();
  private readonly refused = new Set<string>();
  /** called when a job is refused before the hub is asked (wired to a metric) */
  onRefused?: (chain: string, reason: RefusalReason | "stale" | "synthesis") => void;
  /** verifiable synthesis (per-topic verify modes): re-derives each report's value before signing */
  synthesis?: SynthesisGuard;

  constructor(
    readonly wallets: Wallet[],
    private readonly pool: SignaturePool,
    private readonly verifier: InferenceVerifier,
    private readonly log: Logger,
  ) {}

  get addresses(): string[] {
    return this.wallets.map((w) => w.address);
  }

  /** The batch digest, memoized by a hash of exactly what it covers (the job id alone could name other data). */
  digest(target: AttestTarget, setId: bigint, reports: readonly JobReport[]): string {
    const key = createHash("sha256").update(`${target.chainId}|${target.oracle}|${setId}|${JSON.stringify(reports)}`).digest("base64");
    let digest = this.digests.get(key);
    if (digest === undefined) {
      digest = reportBatchDigest(target.chainId, target.oracle, setId, toOracleReports(reports));
      this.digests.set(key, digest);
      trimOldest(this.digests, 1_000);
    }
    return digest;
  }

  private remember(digest: string): void {
    this.refused.add(digest);
    trimOldest(this.refused, SIGNED_MEMORY);
  }

  /**
   * Signs the job's batch for `target`; returns the digest (undefined when the reports are not a batch this
   * relayer would build: then there is nothing to sign, and malformed data has no digest).
   */
  async attest(target: AttestTarget, reports: readonly JobReport[], jobId: string): Promise<{ digest: string | undefined; set: AttesterSet }> {
    const set = await target.attesterSet();
    // Worth signing at all? A signature lets anyone who reads the pool pay for this batch with any key.
    // Checked before anything else touches the (untrusted) reports.
    const rules = checkJobReports(reports, { topics: target.topics, maxBatchSize: target.maxBatchSize, onchainNonce: (t) => target.onchainNonce(t) });
    if (!rules.ok) {
      this.onRefused?.(target.name, rules.reason);
      this.log.error({ alert: "hostile_job", chain: target.name, jobId, reason: rules.reason, problem: rules.problem }, "refusing to sign a batch this relayer would not build");
      return { digest: undefined, set };
    }
    const digest = this.digest(target, set.id, reports);
    const mine = this.wallets.filter((w) => set.signers.includes(w.address) && !this.signed.has(`${digest}:${w.address}`));
    if (mine.length === 0 || this.refused.has(digest)) return { digest, set };
    if (rules.stale.length) {
      this.onRefused?.(target.name, "stale");
      this.log.warn(
        { chain: target.name, jobId, reason: "stale", problem: `topics ${rules.stale.map((r) => r.topicId).join(", ")} are already on chain at that nonce or newer` },
        "refusing to sign a batch this relayer would not build",
      );
      return { digest, set };
    }
    const problem = await this.verifier.check(reports);
    if (problem) {
      this.remember(digest);
      this.log.error({ chain: target.name, jobId, problem }, "refusing to sign a job that does not match the hub");
      return { digest, set };
    }
    // Not remembered as refused: the verdict is per (topic, nonce) and memoized by the guard, and an
    // unreachable hub is asked again on the next attempt.
    const unverified = await this.synthesis?.checkJob(target.name, reports);
    if (unverified) {
      this.onRefused?.(target.name, "synthesis");
      this.log.error({ chain: target.name, jobId, problem: unverified }, "refusing to sign a job whose hub bundle does not add up");
      return { digest, set };
    }
    for (const w of mine) {
      await this.pool.sign(digest, w);
      this.signed.add(`${digest}:${w.address}`);
      trimOldest(this.signed, SIGNED_MEMORY);
    }
    return { digest, set };
  }
}
