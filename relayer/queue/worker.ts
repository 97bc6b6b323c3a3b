/**
 * The post job processor for one chain: attest (local keys) -> wait for the threshold of valid
 * signatures in the pool -> submit through the TxSender (journaled, simulated, replaced when stuck) ->
 * read the receipt's InferenceUpdated / ReportSkipped logs. A skipped topic (the chain already has a
 * newer value) is a success. Errors throw so BullMQ retries with backoff.
 *
 * Job data comes from Redis and is untrusted: before anything is attested or paid for, the reports are
 * checked against this instance's config and chain view (policy/job-check.ts). A job this relayer would
 * never have built is refused for good (alert, metric, no retry); reports the chain already has are
 * dropped after re-reading the chain; the journal is checked entry by entry by the sender.
 */
import { Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import { formatEther } from "ethers";
import { Attesters, AttestTarget, toOracleReports } from "../attest/attester";
import { SignaturePool } from "../attest/pool";
import { packReports } from "../../lib/eip712/oracle";
import { decodeInferenceUpdated, oracleInterface, oracleSubmitIntent, oracleSubmitWork } from "../evm/oracle";
import type { EvmWatcher } from "../evm/watcher";
import { RelayerMetrics } from "../metrics/metrics";
import { type SentTx, InsufficientFundsError, Journal, LimitError, SimulationError, TxSender } from "../submit/sender";
import { checkJobReports, JobRules } from "../policy/job-check";
import { Sequencer } from "../submit/sequencer";
import { PostJobData, PostJobResult } from "./jobs";

export interface WorkerChain extends AttestTarget {
  sender: TxSender;
  /** orders the broadcasts of this instance's in-flight jobs */
  sequencer: Sequencer;
  watcher: EvmWatcher;
  invalidateAttesterSet(): void;
  balance(): Promise<bigint>;
}

export interface ProcessorDeps {
  attesters: Attesters;
  pool: SignaturePool;
  signatureWaitMs: number;
  metrics: RelayerMetrics;
  log: Logger;
  aborted: () => boolean;
}

/** A journal stored in the job's data, so it survives a crash of this process. */
export function jobJournal(job: Job<{ sent?: SentTx[] }>): Journal {
  return {
    entries: () => job.data.sent ?? [],
    record: async (tx) => {
      job.data.sent = [...(job.data.sent ?? []), tx];
      await job.updateData(job.data);
    },
  };
}

/** The rules a job of `chain` must follow: this instance's config and its view of the chain. */
export function jobRules(chain: AttestTarget): JobRules {
  return { topics: chain.topics, maxBatchSize: chain.maxBatchSize, onchainNonce: (t) => chain.onchainNonce(t) };
}

export function makeProcessor(chain: WorkerChain, deps: ProcessorDeps) {
  const { metrics, log } = deps;
  chain.sender.events = {
    journalRejected: (reason) => metrics.journalRejected.inc({ chain: chain.name, reason }),
    limitHit: (limit) => metrics.limitHits.inc({ chain: chain.name, limit }),
    spent: (wei) => metrics.spendLastHour.set({ chain: chain.name }, Number(wei)),
    bogusReceipt: () => metrics.rpcBogus.inc({ chain: chain.name, what: "receipt" }),
  };
  return async (job: Job<PostJobData>): Promise<PostJobResult> => {
    const t0 = Date.now();
    // Take the turn now, in pickup (= queue) order; it is handed on after the broadcast or on any error.
    const turn = chain.sequencer.enter();
    try {
      return await run(job, turn, t0);
    } finally {
      turn.done();
    }
  };

  async function run(job: Job<PostJobData>, turn: ReturnType<Sequencer["enter"]>, t0: number): Promise<PostJobResult> {
    const data = job.data;
    if (chain.watcher.oracleMissing) {
      // A reset chain (watcher alert "chain_reset"): retried with backoff, so it resumes once the contract is back.
      throw new Error(`chain ${chain.name}: the oracle ${chain.oracle} has no code on the chain (reset?); not sending`);
    }
    const check = checkJobReports(data.reports, jobRules(chain));
    if (!check.ok) {
      metrics.jobsRefused.inc({ chain: chain.name, reason: check.reason });
      metrics.updateAttempts.inc({ chain: chain.name, outcome: "refused" });
      log.error({ alert: "hostile_job", chain: chain.name, jobId: job.id, reason: check.reason, problem: check.problem }, "refusing a job this relayer would never build (Redis holds data it did not write)");
      throw new UnrecoverableError(`chain ${chain.name}: job ${job.id} refused: ${check.problem}`);
    }
    const packed = packReports(toOracleReports(data.reports));
    // A transaction already in flight for exactly these reports is followed as it is (its nonce must not
    // dangle). Only entries that pass the sender's checks count: a `sent` list written into Redis does not.
    const inFlight = data.sent?.length ? await chain.sender.checkedEntries(oracleSubmitWork(chain.oracle, packed), data.sent) : [];
    if (inFlight.length === 0 && check.stale.length) {
      // A job that comes back late (a stalled job after a crash, a retry) may carry values the chain
      // already has newer: sending them would only buy ReportSkipped events. The cache may lag but should
      // never lead; before dropping anything, read those topics from the chain itself.
      await chain.watcher.refresh(check.stale.map((r) => r.topicId));
      const again = checkJobReports(data.reports, jobRules(chain));
      const fresh = again.ok ? again.fresh : [];
      if (fresh.length === 0) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: "skipped" });
        log.info({ chain: chain.name, jobId: job.id, topics: data.reports.map((r) => r.topicId), nonces: data.reports.map((r) => r.nonce) }, "batch already superseded on chain; nothing sent");
        return { txHash: "", blockNumber: 0, gasUsed: "0", updated: 0, skipped: data.reports.length };
      }
      if (fresh.length < data.reports.length) {
        const dropped = data.reports.filter((r) => !fresh.includes(r)).map((r) => r.topicId);
        log.info({ chain: chain.name, jobId: job.id, dropped }, "dropping reports the chain already has newer");
        data.reports = fresh;
        data.sent = undefined; // nothing valid was journaled for this job
        await job.updateData(data);
        return run(job, turn, t0);
      }
    }
    let intent;
    let digest: string | undefined;
    const ownSent = inFlight.filter((t) => t.own).pop();
    if (ownSent) {
      // Resuming our own transaction: its calldata (built and signed by us) carries the signatures it was sent
      // with; follow it as it is (the attesters may now rightly refuse these reports as already on chain:
      // they may be, by this very transaction). Another key's calldata is never reused: it may carry bad signatures.
      intent = { ...oracleSubmitWork(chain.oracle, packed), data: ownSent.data };
    } else {
      const attested = await deps.attesters.attest(chain, data.reports, String(job.id));
      const set = attested.set;
      digest = attested.digest;
      if (digest === undefined) throw new UnrecoverableError(`chain ${chain.name}: job ${job.id}: the attesters refused its reports`); // checked above; kept for the type
      const sigs = await deps.pool.waitForThreshold(digest, set.signers, set.threshold, deps.signatureWaitMs, 25, deps.aborted);
      if (!sigs) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: "no_signatures" });
        chain.invalidateAttesterSet();
        throw new Error(`chain ${chain.name}: fewer than ${set.threshold} valid signatures for job ${job.id} after ${deps.signatureWaitMs} ms (set ${set.id}); are enough attesters running?`);
      }
      intent = oracleSubmitIntent(chain.oracle, packed, sigs.signatures);
    }
    const tSigned = Date.now();
    let receipt;
    let timings;
    try {
      ({ receipt, timings } = await chain.sender.send(intent, jobJournal(job), turn));
    } catch (e) {
      if (e instanceof InsufficientFundsError) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: "insufficient_funds" });
        const balance = await chain.balance().catch(() => undefined);
        log.error({ alert: "insufficient_funds", chain: chain.name, address: chain.sender.address, balance: balance === undefined ? undefined : formatEther(balance) }, "insufficient funds");
      } else if (e instanceof LimitError) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: e.limit });
        log.error({ alert: e.limit, chain: chain.name, jobId: job.id, err: e.message }, e.limit === "gas_cap" ? "batch above the gas cap; not sent" : "spend budget reached; not sent");
      } else if (e instanceof SimulationError) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: "simulation_failed" });
        chain.invalidateAttesterSet();
        log.warn({ chain: chain.name, jobId: job.id, err: e.message }, "simulation failed");
      } else {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: /reverted/.test((e as Error).message) ? "reverted" : "error" });
      }
      throw e;
    }
    // The batch landed: its signatures are never needed again (retention: relayer/README.md).
    if (digest !== undefined) await deps.pool.forget(digest).catch(() => undefined);
    let updated = 0;
    let skipped = 0;
    for (const l of receipt.logs) {
      if (l.address.toLowerCase() !== chain.oracle.toLowerCase()) continue;
      const u = decodeInferenceUpdated(l);
      if (u) {
        updated++;
        if (chain.watcher.noteOnChain(u.topicId, u)) metrics.lastPostedNonce.set({ chain: chain.name, topic: String(u.topicId) }, Number(u.nonce));
        continue;
      }
      const parsed = oracleInterface.parseLog(l);
      if (parsed?.name === "ReportSkipped") {
        skipped++;
      }
    }
    const latencyMs = Date.now() - data.seenAt;
    // Where the time went (ms): hub block seen -> job added -> picked up -> signatures -> receipt.
    const stages = { queued: job.timestamp - data.seenAt, pickup: t0 - job.timestamp, attest: tSigned - t0, send: Date.now() - tSigned, ...timings };
    metrics.updateAttempts.inc({ chain: chain.name, outcome: "updated" }, updated > 0 ? 1 : 0);
    if (updated === 0) metrics.updateAttempts.inc({ chain: chain.name, outcome: "skipped" });
    metrics.gasUsed.inc({ chain: chain.name }, Number(receipt.gasUsed));
    metrics.feesPaid.inc({ chain: chain.name }, Number(receipt.gasUsed * (receipt.gasPrice ?? 0n)));
    metrics.latency.observe({ chain: chain.name }, latencyMs / 1000);
    metrics.batchSize.observe({ chain: chain.name }, data.reports.length);
    log.info(
      {
        chain: chain.name,
        jobId: job.id,
        txHash: receipt.hash,
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed.toString(),
        topics: data.reports.map((r) => r.topicId),
        nonces: data.reports.map((r) => r.nonce),
        updated,
        skipped,
        hubHeight: data.hubHeight,
        latencyMs,
        stages,
      },
      "batch posted",
    );
    return { txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed.toString(), updated, skipped };
  }
}
