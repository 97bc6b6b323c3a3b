/**
 * The inference pipeline, composed: HubWatcher blocks -> Scheduler (policy, batching, claims) -> one BullMQ
 * queue per chain (deterministic job ids, global concurrency so a chain's batches land in order across all
 * instances) -> processor (attest, signatures from the pool, TxSender) -> the chain's AlloraOracle.
 * EvmWatcher keeps the on-chain cache fresh and turns paid requests into priority jobs.
 *
 * It runs over the relayer's shared parts (app.ts): the hub watcher, the signature pool, and per chain the
 * RPC, the submitter (one key and one nonce sequence, shared with the transfer pipeline) and its sequencer.
 * Its workers are created paused; the chain's lease holder runs them (`takeOver`).
 */
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Wallet } from "ethers";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load";
import { ChainConfig, GAS_PER_REPORT_MAX, GAS_PER_TX_BASE, gasCapOf, policyFor, verifyModeFor } from "../config/schema";
import { reportsPerTx } from "../policy/batch";
import type { HubWatcher } from "../hub/watcher";
import type { FailoverRpc } from "../evm/rpc";
import { AttesterSet, OracleReader } from "../evm/oracle";
import { EvmWatcher } from "../evm/watcher";
import type { SignaturePool } from "../attest/pool";
import { InferenceVerifier } from "../attest/verifier";
import { Attesters } from "../attest/attester";
import { SynthesisGuard } from "../attest/synthesis-guard";
import { abciAt, fetchSynthesisMaterial } from "../attest/synthesis-source";
import { feedMap, sourceOf } from "../hub/feeds";
import { logQueueErrors } from "../queue/errors";
import type { TxSender } from "../submit/sender";
import type { Sequencer } from "../submit/sequencer";
import { ClaimTable } from "../queue/claims";
import { RequestBook } from "../queue/requests";
import { Scheduler } from "../queue/scheduler";
import { PostJobData, PostJobResult, queueName } from "../queue/jobs";
import { makeProcessor, WorkerChain } from "../queue/worker";
import { requeueOrphans } from "../queue/orphans";
import { deadLetterKey, quarantineCorruptJobs } from "../queue/quarantine";
import { background, every } from "../tasks";
import type { RelayerMetrics } from "../metrics/metrics";
import { evaluateHealth, hubStallLimitMs, withHubProgress, type HealthReport } from "../health/health";
import { StatusRow, statusRow } from "../status";
import { followHub } from "./follow";
import type { HubInference } from "../hub/events";
import { workerLockOptions } from "../queue/locks";

const ATTESTER_SET_TTL_MS = 30_000;
const QUEUE_METRICS_MS = 5_000;

/** A chain's shared parts, opened by app.ts and used by both pipelines. */
export interface SharedChain {
  name: string;
  chainId: number;
  cfg: ChainConfig;
  rpc: FailoverRpc;
  sender: TxSender;
  sequencer: Sequencer;
  balance(): Promise<bigint>;
}

export interface ChainRuntime extends WorkerChain {
  cfg: ChainConfig;
  /** reports per transaction: maxBatchSize, or fewer so that a batch of first writes fits the gas cap and block */
  reportsPerTx: number;
  rpc: FailoverRpc;
  reader: OracleReader;
  queue: Queue<PostJobData, PostJobResult>;
  worker?: Worker<PostJobData, PostJobResult>;
}

export interface InferenceDeps {
  config: LoadedConfig;
  redis: Redis;
  /** a new Redis connection for BullMQ (maxRetriesPerRequest null) */
  newConnection: () => Redis;
  hub: HubWatcher;
  pool: SignaturePool;
  attesterWallets: readonly Wallet[];
  metrics: RelayerMetrics;
  log: Logger;
  stopping: () => boolean;
  chains: readonly SharedChain[];
  /** the relayer's start (unix seconds): health's grace period counts from it */
  startedAt: number;
  /** where this pipeline registers what must be stopped or closed when the relayer stops */
  cleanups: Array<() => Promise<void> | void>;
  /** every hub inference seen (pull mode's report signer signs them) */
  onInferences?: (inferences: readonly HubInference[]) => void;
}

export interface InferencePipeline {
  chains: ChainRuntime[];
  /** the chain's worker (created paused) */
  worker(chain: string): Worker<PostJobData, PostJobResult>;
  /** requeues the jobs a dead lease holder left active (ahead of newer ones); logs, never throws */
  recoverOrphans(chain: string): Promise<void>;
  /** resumes following the hub from the checkpoint (or sweeps the latest inferences); returns the hub head */
  follow(): Promise<number>;
  status(): Promise<StatusRow[]>;
  health(): HealthReport;
  /** ages of the last posted values (metrics), by chain and topic */
  ageOf(chain: string, topic: number): number | undefined;
  /** closes the workers (force: without waiting for active jobs) */
  closeWorkers(force?: boolean): Promise<void>;
}

export async function startInferencePipeline(deps: InferenceDeps): Promise<InferencePipeline> {
  const { config, redis, hub, pool, attesterWallets, metrics, log, cleanups } = deps;
  const prefix = config.redis.prefix;
  const verifier = new InferenceVerifier({
    // topicId is an oracle feed id: the hub watcher maps it to its hub topic (and label) and version
    valueAt: async (topicId, nonce) => (await hub.feedValuesAt(topicId, nonce))?.combinedValue || undefined,
    blockTime: (h) => hub.blockTime(h),
  });
  const attesters = new Attesters([...attesterWallets], pool, verifier, log);
  const claims = new ClaimTable(redis, prefix);
  const requests = new RequestBook(redis, prefix);
  attesters.onRefused = (chain, reason) => metrics.jobsRefused.inc({ chain, reason });
  const synthesis = verifyGuard(config, hub, metrics, log);
  attesters.synthesis = synthesis;

  const chains: ChainRuntime[] = [];
  // The EVM watchers need the scheduler for paid requests and the scheduler needs the chains: a late binding.
  const schedulerRef: { current?: Scheduler } = {};
  const queueConnection = deps.newConnection();
  cleanups.push(() => void queueConnection.disconnect());

  for (const shared of deps.chains) {
    const { cfg, rpc } = shared;
    const oracleAddress = config.oracles[cfg.name];
    if ((await rpc.use((p) => p.getCode(oracleAddress))) === "0x") {
      throw new Error(`chains.${cfg.name}: no contract at the oracle address ${oracleAddress}; deploy it or fix oracle/deployments`);
    }
    const reader = new OracleReader(rpc, oracleAddress);
    const perTx = await batchSizeFor(cfg, rpc, log);
    let cachedSet: { set: AttesterSet; at: number } | undefined;
    const watcher = new EvmWatcher(
      {
        chain: cfg.name,
        topics: config.hub.topics,
        confirmations: cfg.confirmations,
        pollIntervalMs: cfg.pollIntervalMs,
        redisPrefix: prefix,
        hubHeight: () => hub.headHeight,
        onBogus: (what) => metrics.rpcBogus.inc({ chain: cfg.name, what }),
      },
      rpc,
      reader,
      redis,
      log,
      async (requestId, topicId, amount) => {
        await schedulerRef.current?.onRequest(cfg.name, requestId, topicId, amount);
      },
    );
    const queue = new Queue<PostJobData, PostJobResult>(queueName(cfg.name), {
      connection: queueConnection,
      prefix,
      defaultJobOptions: {
        attempts: config.queue.attempts,
        backoff: { type: "exponential", delay: config.queue.backoffMs },
        // Kept for dedupe (re-adding a kept id is a no-op), bounded by age AND count so Redis stays small.
        removeOnComplete: { age: config.queue.keepCompletedSeconds, count: config.queue.keepCompletedCount },
        removeOnFail: { age: config.queue.keepFailedSeconds },
      },
    });
    logQueueErrors(queue, log, { chain: cfg.name }, "queue error");
    cleanups.push(() => queue.close());
    // At most maxInFlight active jobs per chain across ALL instances; only the lease holder works
    // (see queue/lease.ts), and its sequencer keeps the broadcasts in queue order.
    await queue.setGlobalConcurrency(cfg.maxInFlight);
    chains.push({
      name: cfg.name,
      chainId: cfg.chainId,
      oracle: oracleAddress,
      cfg,
      reportsPerTx: perTx,
      rpc,
      reader,
      sender: shared.sender,
      sequencer: shared.sequencer,
      watcher,
      queue,
      topics: config.hub.topics,
      maxBatchSize: cfg.maxBatchSize,
      onchainNonce: (t) => watcher.onchain.get(t)?.nonce,
      attesterSet: async () => {
        if (cachedSet && Date.now() - cachedSet.at < ATTESTER_SET_TTL_MS) return cachedSet.set;
        cachedSet = { set: await reader.attesterSet(), at: Date.now() };
        return cachedSet.set;
      },
      invalidateAttesterSet: () => {
        cachedSet = undefined;
      },
      balance: shared.balance,
    });
  }
  const chainOf = (name: string) => {
    const c = chains.find((x) => x.name === name);
    if (!c) throw new Error(`no chain ${name} in the inference pipeline`);
    return c;
  };

  const scheduler = new Scheduler({
    chains: chains.map((c) => ({ name: c.name, maxBatchSize: c.reportsPerTx, onchain: c.watcher.onchain, queue: c.queue as unknown as Queue<PostJobData> })),
    claims,
    requests,
    policyFor: (chain, topic) => policyFor(config, chain, topic),
    log,
    hubHead: () => hub.headHeight,
    onCorruptClaim: () => metrics.corruptState.inc({ kind: "claim" }),
    onScheduled: (chain, jobId, data) => {
      const rt = chains.find((c) => c.name === chain);
      if (rt && attesters.wallets.length) void attesters.attest(rt, data.reports, jobId).catch((e) => log.warn({ chain, jobId, err: (e as Error).message }, "attest failed"));
    },
  });
  schedulerRef.current = scheduler;

  for (const c of chains) {
    await c.watcher.start();
    cleanups.push(() => c.watcher.stop());
    for (const [topic, v] of c.watcher.onchain) if (v.nonce > 0n) metrics.lastPostedNonce.set({ chain: c.name, topic: String(topic) }, Number(v.nonce));
    const set = await c.attesterSet();
    const mine = attesterWallets.filter((w) => set.signers.includes(w.address)).map((w) => w.address);
    log.info({ chain: c.name, oracle: c.oracle, attesterSetId: set.id.toString(), threshold: set.threshold, signers: set.signers.length, localAttesters: mine, submitter: c.sender.address }, "chain ready");
    if (attesterWallets.length && mine.length === 0) log.warn({ chain: c.name }, "none of this instance's attester keys is in the chain's attester set");
    if (mine.length >= set.threshold) {
      log.warn(
        { alert: "attester_threshold_in_one_process", chain: c.name, localAttesters: mine.length, threshold: set.threshold },
        "this one process holds at least the threshold of attester keys: whoever takes it (or its hub node) can sign anything; spread the keys over independent operators",
      );
    }
  }

  const quarantine = async (c: ChainRuntime): Promise<number> => {
    const moved = await quarantineCorruptJobs(c.queue as unknown as Queue, redis, prefix);
    for (const m of moved) {
      metrics.quarantinedJobs.inc({ chain: c.name });
      log.error({ alert: "job_quarantined", chain: c.name, jobId: m.jobId, reason: m.reason, deadLetter: deadLetterKey(prefix, c.queue.name) }, "unreadable job moved to the dead-letter list");
    }
    return moved.length;
  };

  // Workers (paused until the chain's lease is held).
  const processorDeps = { attesters, pool, signatureWaitMs: config.signatureWaitMs, metrics, log, aborted: deps.stopping };
  for (const c of chains) {
    const worker = new Worker<PostJobData, PostJobResult>(queueName(c.name), makeProcessor(c, processorDeps), {
      connection: deps.newConnection(),
      prefix,
      concurrency: c.cfg.maxInFlight,
      ...workerLockOptions(config.queue.lockDurationMs),
      maxStalledCount: 1_000,
      autorun: false,
    });
    worker.on("failed", (job, err) => {
      const final = job !== undefined && job.attemptsMade >= config.queue.attempts;
      log[final ? "error" : "warn"]({ chain: c.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, final ? "job failed for good" : "job attempt failed; will retry");
      if (final && job?.id) {
        const jobId = job.id;
        background(log, "claim release", () => claims.release(c.name, jobId, Array.isArray(job.data?.reports) ? job.data.reports.map((r) => r.topicId) : []), { chain: c.name, jobId });
      }
    });
    logQueueErrors(worker, log, { chain: c.name }, "worker error", (err) => {
      // The worker's fetch throws on a job it cannot parse, again and again: move such jobs out.
      if (/JSON|Unexpected token/i.test(err.message)) background(log, "quarantine after a worker error", () => quarantine(c), { chain: c.name });
    });
    c.worker = worker;
  }

  // Attest jobs scheduled by other instances (their attesters cannot sign for us).
  if (attesterWallets.length) {
    const seen = new Set<string>();
    const attestTick = async () => {
      if (deps.stopping()) return;
      for (const c of chains) {
        const read = () => c.queue.getJobs(["prioritized", "waiting", "active"], 0, 20, true);
        // One unreadable job fails the whole read: quarantine it, then read again.
        const jobs = await read().catch(async (e: unknown) => {
          if ((await quarantine(c)) === 0) throw e;
          return read();
        });
        for (const j of jobs) {
          // keyed by attempt too: a retried job (e.g. after an attester-set rotation) is attested again
          const key = `${j?.id}:${j?.attemptsMade}`;
          if (!j?.id || seen.has(key)) continue;
          await attesters.attest(c, j.data.reports, j.id).catch((e) => log.warn({ chain: c.name, jobId: j.id, err: (e as Error).message }, "attest failed"));
          seen.add(key);
          if (seen.size > 10_000) seen.delete(seen.values().next().value as string);
        }
      }
    };
    const attestLoop = every(log, "attest poll", Math.min(500, config.hub.pollIntervalMs * 2), attestTick, { runNow: true });
    cleanups.push(() => attestLoop.stop());
  }

  // Periodic queue depths.
  const queueGauges = every(log, "queue depth read", QUEUE_METRICS_MS, async () => {
    for (const c of chains) {
      const counts = await c.queue.getJobCounts("prioritized", "waiting", "active", "delayed", "failed", "completed");
      for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ chain: c.name, state }, n);
    }
  });
  cleanups.push(() => queueGauges.stop());

  let progress: Awaited<ReturnType<typeof followHub>> | undefined;
  const policyOf = (chain: string, topic: number) => policyFor(config, chain, topic);
  return {
    chains,
    worker: (name) => chainOf(name).worker!,
    recoverOrphans: async (name) => {
      const c = chainOf(name);
      // A failed recovery must not keep the worker from running: it is logged and the worker starts.
      try {
        await quarantine(c);
        const moved = await requeueOrphans(c.queue as unknown as Queue, redis, prefix, config.queue.lockDurationMs + 1_000, log, deps.stopping);
        if (moved) log.warn({ chain: c.name, jobs: moved }, "requeued jobs a dead instance left active, ahead of newer ones");
      } catch (e) {
        log.error({ chain: c.name, err: e }, "orphan recovery failed; the worker starts anyway (BullMQ's stalled check requeues them later)");
      }
    },
    follow: async () => {
      // verify (strict): a bundle that does not add up is left out before batching, so the rest flows
      const names = chains.map((c) => c.name);
      const guarded = synthesis ? { schedule: async (...a: Parameters<Scheduler["schedule"]>) => scheduler.schedule(await synthesis.admit(names, a[0]), a[1], a[2], a[3]) } : scheduler;
      // pull mode's report signer signs only what adds up, too (the verdicts are memoized: no second fetch)
      const onInferences =
        synthesis && deps.onInferences
          ? (infs: readonly HubInference[]) => void synthesis.admit(names, infs).then((ok) => deps.onInferences?.(ok), (e: unknown) => log.warn({ err: (e as Error).message }, "synthesis check failed"))
          : deps.onInferences;
      progress = await followHub({ config, redis, hub, scheduler: guarded, verifier, metrics, log, cleanups, onInferences });
      return progress.head;
    },
    status: async () => {
      const now = Math.floor(Date.now() / 1000);
      return chains.flatMap((c) => config.hub.topics.map((t) => statusRow(c.name, t, c.watcher.onchain.get(t), policyOf(c.name, t), now)));
    },
    health: () => {
      const items = chains.flatMap((c) =>
        config.hub.topics.map((t) => {
          const v = c.watcher.onchain.get(t);
          return { chain: c.name, topicId: t, timestamp: v && v.nonce > 0n ? v.timestamp : undefined, heartbeatSeconds: policyOf(c.name, t).heartbeatSeconds };
        }),
      );
      const report = evaluateHealth(items, Math.floor(Date.now() / 1000), deps.startedAt, config.health.graceSeconds);
      const stalledMs = progress ? progress.progress.stalledMs(hub.headHeight, Date.now()) : 0;
      metrics.hubStalled.set(Math.floor(stalledMs / 1000));
      return withHubProgress(report, stalledMs, hubStallLimitMs(config.hub.pollIntervalMs, config.health.graceSeconds));
    },
    ageOf: (chain, topic) => {
      const v = chains.find((c) => c.name === chain)?.watcher.onchain.get(topic);
      return v && v.nonce > 0n ? Math.floor(Date.now() / 1000) - v.timestamp : undefined;
    },
    closeWorkers: async (force = false) => {
      await Promise.all(chains.map((c) => c.worker?.close(force)));
    },
  };
}

/**
 * Reports per transaction on a chain: maxBatchSize, fewer when a batch of first writes would not fit the gas a
 * transaction may use there, the smaller of maxGasPerTx (gasCapOf) and the chain's block gas limit (a
 * transaction above it is never mined). Read once at start; a chain that does not answer keeps the cap alone.
 */
async function batchSizeFor(cfg: ChainConfig, rpc: FailoverRpc, log: Logger): Promise<number> {
  let cap = gasCapOf(cfg);
  const block = await rpc.use((p) => p.getBlock("latest")).catch(() => null);
  const blockGasLimit = block ? Number(block.gasLimit) : undefined;
  if (blockGasLimit !== undefined && blockGasLimit > 0 && blockGasLimit < cap) cap = blockGasLimit;
  const n = reportsPerTx(cfg.maxBatchSize, cap, GAS_PER_REPORT_MAX, GAS_PER_TX_BASE);
  if (n < cfg.maxBatchSize) {
    log.warn({ chain: cfg.name, maxBatchSize: cfg.maxBatchSize, reportsPerTx: n, gasCap: cap, blockGasLimit }, "a full batch of maxBatchSize first writes would not fit the gas a transaction may use on this chain; batches are cut smaller");
  }
  return n;
}

/** The synthesis guard when any topic's verify mode is not "off" (docs/operators.md, "Verifiable synthesis"). */
function verifyGuard(config: LoadedConfig, hub: HubWatcher, metrics: RelayerMetrics, log: Logger): SynthesisGuard | undefined {
  if (config.hub.topics.every((t) => verifyModeFor(config, t) === "off")) return undefined;
  const query = abciAt(() => hub.comet());
  // Topic ids here are oracle feed ids; a multi-label topic's feeds are checked through their hub topic's
  // bundle (its first label vouches for the epoch's synthesis: the regrets are one per worker, not per label).
  const feeds = feedMap(config.hub.topics, config.hub.labelled);
  const hubTopic = (feed: number) => sourceOf(feeds, feed)?.topic ?? feed;
  return new SynthesisGuard({
    modeOf: (t) => verifyModeFor(config, t),
    fetch: (t, nonce) => fetchSynthesisMaterial(query, hubTopic(t), nonce, { emissionsVersion: hub.emissionsVersion(), chainVersion: config.verify?.chainVersion }),
    log,
    onMismatch: (t) => metrics.synthesisMismatch.inc({ topic: String(t) }),
    onHeld: (chain, t, held) => metrics.synthesisHeld.set({ chain, topic: String(t) }, held ? 1 : 0),
    onChecked: (_t, s) => metrics.synthesisCheckCpu.observe(s),
  });
}
