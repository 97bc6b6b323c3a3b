/**
 * The post job processor for one chain: attest (local keys) -> wait for the threshold of valid
 * signatures in the pool -> submit through the TxSender (journaled, simulated, replaced when stuck) ->
 * read the receipt's InferenceUpdated / ReportSkipped logs. A skipped topic (the chain already has a
 * newer value) is a success. Errors throw so BullMQ retries with backoff.
 */
import type { Job } from "bullmq";
import type { Logger } from "pino";
import { formatEther } from "ethers";
import { Attesters, AttestTarget, toOracleReports } from "../attest/attester";
import { SignaturePool } from "../attest/pool";
import { packReports } from "../../lib/eip712/oracle";
import { decodeInferenceUpdated, oracleInterface } from "../evm/oracle";
import type { EvmWatcher } from "../evm/watcher";
import { RelayerMetrics } from "../metrics/metrics";
import { InsufficientFundsError, Journal, SimulationError, TxSender } from "../submit/sender";
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
export function jobJournal(job: Job<PostJobData>): Journal {
  return {
    entries: () => job.data.sent ?? [],
    record: async (tx) => {
      job.data.sent = [...(job.data.sent ?? []), tx];
      await job.updateData(job.data);
    },
  };
}

export function makeProcessor(chain: WorkerChain, deps: ProcessorDeps) {
  const { metrics, log } = deps;
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
    // A job that comes back late (a stalled job after a crash, a retry) may carry only values the chain
    // already has newer: then sending would only buy ReportSkipped events. The cache never overstates the
    // chain, so this is safe; with a journaled transaction we still follow it (its nonce must not dangle).
    const stale = data.reports.every((r) => BigInt(r.nonce) <= (chain.watcher.onchain.get(r.topicId)?.nonce ?? 0n));
    if (stale && !(data.sent?.length)) {
      metrics.updateAttempts.inc({ chain: chain.name, outcome: "skipped" });
      log.info({ chain: chain.name, jobId: job.id, topics: data.reports.map((r) => r.topicId), nonces: data.reports.map((r) => r.nonce) }, "batch already superseded on chain; nothing sent");
      return { txHash: "", blockNumber: 0, gasUsed: "0", updated: 0, skipped: data.reports.length };
    }
    const { digest, set } = await deps.attesters.attest(chain, data.reports, String(job.id));
    const sigs = await deps.pool.waitForThreshold(digest, set.signers, set.threshold, deps.signatureWaitMs, 25, deps.aborted);
    if (!sigs) {
      metrics.updateAttempts.inc({ chain: chain.name, outcome: "no_signatures" });
      chain.invalidateAttesterSet();
      throw new Error(`chain ${chain.name}: fewer than ${set.threshold} valid signatures for job ${job.id} after ${deps.signatureWaitMs} ms (set ${set.id}); are enough attesters running?`);
    }
    const tSigned = Date.now();
    const calldata = oracleInterface.encodeFunctionData("submit", [packReports(toOracleReports(data.reports)), sigs.signatures]);
    let receipt;
    let timings;
    try {
      ({ receipt, timings } = await chain.sender.send(chain.oracle, calldata, jobJournal(job), turn));
    } catch (e) {
      if (e instanceof InsufficientFundsError) {
        metrics.updateAttempts.inc({ chain: chain.name, outcome: "insufficient_funds" });
        const balance = await chain.balance().catch(() => undefined);
        log.error({ alert: "insufficient_funds", chain: chain.name, address: chain.sender.address, balance: balance === undefined ? undefined : formatEther(balance) }, "insufficient funds");
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
    await deps.pool.forget(digest).catch(() => undefined);
    let updated = 0;
    let skipped = 0;
    for (const l of receipt.logs) {
      if (l.address.toLowerCase() !== chain.oracle.toLowerCase()) continue;
      const u = decodeInferenceUpdated(l);
      if (u) {
        updated++;
        chain.watcher.noteOnChain(u.topicId, u);
        metrics.lastPostedNonce.set({ chain: chain.name, topic: String(u.topicId) }, Number(u.nonce));
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
