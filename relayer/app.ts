/**
 * The relayer daemon in-process: `startRelayer(config) -> { httpUrl, status(), stop() }`.
 *
 * Flow: HubWatcher (websocket + polling, checkpointed) -> Scheduler (policy, batching, claims) ->
 * one BullMQ queue per chain (deterministic job ids, global concurrency 1 so a chain's batches land in
 * order across all instances) -> processor (attest, signatures from the pool, TxSender) -> chain.
 * EvmWatcher keeps the on-chain cache fresh and turns paid requests into priority jobs.
 */
import { Queue, Worker } from "bullmq";
import IORedis, { Redis } from "ioredis";
import { Wallet, formatEther, parseEther } from "ethers";
import type { Logger } from "pino";
import { LoadedConfig } from "./config/load";
import { ChainConfig, policyFor } from "./config/schema";
import { describeKeySource, loadWallet, scrubKeyEnv } from "./config/keys";
import { createLogger } from "./log";
import { HubWatcher, HubBlock } from "./hub/watcher";
import { corruptCheckpoint, HubCheckpoint } from "./hub/checkpoint";
import { FailoverRpc } from "./evm/rpc";
import { AttesterSet, OracleReader } from "./evm/oracle";
import { EvmWatcher } from "./evm/watcher";
import { SignaturePool } from "./attest/pool";
import { InferenceVerifier } from "./attest/verifier";
import { Attesters } from "./attest/attester";
import { NonceManager } from "./submit/nonce";
import { TxSender } from "./submit/sender";
import { ClaimTable } from "./queue/claims";
import { RequestBook } from "./queue/requests";
import { Scheduler } from "./queue/scheduler";
import { PostJobData, PostJobResult, queueName } from "./queue/jobs";
import { makeProcessor, WorkerChain } from "./queue/worker";
import { ChainLease } from "./queue/lease";
import { requeueOrphans } from "./queue/orphans";
import { deadLetterKey, quarantineCorruptJobs } from "./queue/quarantine";
import { background, every } from "./tasks";
import { Sequencer } from "./submit/sequencer";
import { countKeys, RelayerMetrics } from "./metrics/metrics";
import { startTransferPipeline, type TransferPipeline } from "./transfer/pipeline";
import { hubPrefixOf } from "./config/transfers";
import { evaluateHealth, HubProgress, hubStallLimitMs, withHubProgress } from "./health/health";
import { startHttp } from "./health/server";
import { createDashboard, Dashboard } from "./health/dashboard";
import { createExplorer } from "./explorer/service";
import { transfersSourceOf } from "./explorer/source";
import { StatusRow, statusRow } from "./status";
import { HubInference } from "./hub/events";

export interface StartOptions {
  /** defaults to a pino logger on stdout at config.log.level */
  logger?: Logger;
  /** where key environment variables are read (defaults to process.env) */
  env?: Record<string, string | undefined>;
}

export interface RelayerHandle {
  readonly instance: string;
  /** base URL of /metrics, /healthz, /status and the explorer (/explorer/) */
  readonly httpUrl: string;
  /** the queue dashboard's URL when http.dashboard.enabled, e.g. http://127.0.0.1:9464/queues */
  readonly dashboardUrl: string | undefined;
  status(): Promise<StatusRow[]>;
  /** graceful stop: watchers first, then workers (active jobs get up to 10 s), then Redis */
  stop(): Promise<void>;
}

const ATTESTER_SET_TTL_MS = 30_000;
const QUEUE_METRICS_MS = 5_000;
const BALANCE_CHECK_MS = 30_000;
const SHUTDOWN_GRACE_MS = 10_000;
/** how far the shared hub checkpoint may run ahead of this instance's hub head (another instance's node) */
const CHECKPOINT_SLACK_BLOCKS = 100;

interface ChainRuntime extends WorkerChain {
  cfg: ChainConfig;
  rpc: FailoverRpc;
  reader: OracleReader;
  queue: Queue<PostJobData, PostJobResult>;
  worker?: Worker<PostJobData, PostJobResult>;
  lease?: ChainLease;
}

/** The dashboard's access token from the variable http.dashboard.tokenEnv names (undefined when none). */
function readDashboardToken(config: LoadedConfig, env: Record<string, string | undefined>): string | undefined {
  const name = config.http.dashboard.tokenEnv;
  if (!config.http.dashboard.enabled || name === undefined) return undefined;
  const token = env[name];
  if (token === undefined || token.length < 16) throw new Error(`http.dashboard.tokenEnv: ${name} must hold an access token of at least 16 characters (e.g. export ${name}=$(openssl rand -hex 24))`);
  return token;
}

function redisConnection(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest null (blocking commands must not give up).
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export async function startRelayer(config: LoadedConfig, options: StartOptions = {}): Promise<RelayerHandle> {
  const log = options.logger ?? createLogger(config.log.level, config.instance);
  const env = options.env ?? process.env;
  const prefix = config.redis.prefix;
  const startedAt = Math.floor(Date.now() / 1000);
  let stopping = false;
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e) => log.warn({ err: (e as Error).message }, "cleanup step failed"));
  };

  try {
    // Keys first: a missing key is a configuration error and must stop the start.
    const attesterWallets: Wallet[] = [];
    for (const [i, src] of config.attesters.entries()) attesterWallets.push(await loadWallet(src, `attesters[${i}]`, config.baseDir, env));
    const submitterWallets = new Map<string, Wallet>();
    for (const [i, c] of config.chains.entries()) submitterWallets.set(c.name, await loadWallet(c.submitter, `chains[${i}].submitter`, config.baseDir, env));
    for (const [chain, w] of submitterWallets) {
      if (attesterWallets.some((a) => a.address === w.address)) {
        log.warn({ alert: "key_reuse", chain, address: w.address }, "an attester key is also a submitter key: one stolen key then both signs and sends; use separate keys");
      }
    }
    const dashboardToken = readDashboardToken(config, env);
    // Read once; out of the process environment from here on (explicitly passed env objects are the caller's).
    if (options.env === undefined) {
      scrubKeyEnv([...config.attesters, ...config.chains.map((c) => c.submitter)], process.env);
      if (config.http.dashboard.tokenEnv) delete process.env[config.http.dashboard.tokenEnv];
    }

    const redis = redisConnection(config.redis.url);
    cleanups.push(() => void redis.disconnect());
    await redis.ping();

    // The watcher checks the chain id on every connect and every /status poll, so a failover to a node
    // of another network is refused (issue 19 finding 7).
    const hub = new HubWatcher(
      { rpcUrls: config.hub.rpcUrls, websocket: config.hub.websocket, pollIntervalMs: config.hub.pollIntervalMs, topics: config.hub.topics, chainId: config.hub.chainId },
      log,
    );
    cleanups.push(() => hub.stop());
    await hub.connect();

    const pool = new SignaturePool(redis, prefix);
    const verifier = new InferenceVerifier({
      valueAt: async (topicId, nonce) => (await hub.emissions().networkInferencesAtBlock(BigInt(topicId), nonce)).networkInferences?.combinedValue || undefined,
      blockTime: (h) => hub.blockTime(h),
    });
    const attesters = new Attesters(attesterWallets, pool, verifier, log);
    const claims = new ClaimTable(redis, prefix);
    const requests = new RequestBook(redis, prefix);

    const chains: ChainRuntime[] = [];
    const ageOf = (chain: string, topic: number) => {
      const v = chains.find((c) => c.name === chain)?.watcher.onchain.get(topic);
      return v && v.nonce > 0n ? Math.floor(Date.now() / 1000) - v.timestamp : undefined;
    };
    const pairs = () => config.chains.flatMap((c) => config.hub.topics.map((t) => [c.name, t] as [string, number]));
    const metrics = new RelayerMetrics(config.instance, ageOf, pairs);
    attesters.onRefused = (chain, reason) => metrics.jobsRefused.inc({ chain, reason });
    metrics.trackRedisKeys(() => countKeys(redis, prefix));

    // The EVM watchers need the scheduler for paid requests and the scheduler needs the chains: a late binding.
    const schedulerRef: { current?: Scheduler } = {};
    const queueConnection = redisConnection(config.redis.url);
    cleanups.push(() => void queueConnection.disconnect());

    for (const cfg of config.chains) {
      const rpc = new FailoverRpc(cfg.name, cfg.rpcUrls, cfg.chainId, log);
      cleanups.push(() => rpc.destroy());
      // Every URL, fallbacks included: a fallback on another network would otherwise be found only
      // when the first URL fails (use() checks again after every failover).
      await rpc.checkAll();
      const oracleAddress = config.oracles[cfg.name];
      if ((await rpc.use((p) => p.getCode(oracleAddress))) === "0x") {
        throw new Error(`chains.${cfg.name}: no contract at the oracle address ${oracleAddress}; deploy it or fix oracle/deployments`);
      }
      const reader = new OracleReader(rpc, oracleAddress);
      const wallet = submitterWallets.get(cfg.name)!;
      const nonces = new NonceManager({ pendingNonce: () => rpc.use((p) => p.getTransactionCount(wallet.address, "pending")) });
      const sender = new TxSender(cfg, rpc, wallet, nonces, log, () => stopping);
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
      cleanups.push(() => queue.close());
      // At most maxInFlight active jobs per chain across ALL instances; only the lease holder works
      // (see queue/lease.ts), and its sequencer keeps the broadcasts in queue order.
      await queue.setGlobalConcurrency(cfg.maxInFlight);
      chains.push({
        name: cfg.name,
        chainId: cfg.chainId,
        oracle: oracleAddress,
        cfg,
        rpc,
        reader,
        sender,
        sequencer: new Sequencer(),
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
        balance: () => rpc.use((p) => p.getBalance(wallet.address)),
      });
    }

    const scheduler = new Scheduler({
      chains: chains.map((c) => ({ name: c.name, maxBatchSize: c.cfg.maxBatchSize, onchain: c.watcher.onchain, queue: c.queue as unknown as Queue<PostJobData> })),
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

    // The transfer pipeline (when configured): its own queues and workers per chain, sharing each chain's
    // submitter (one key, one nonce sequence) and lease with the inference pipeline.
    let transfers: TransferPipeline | undefined;
    if (config.transfers?.enabled) {
      transfers = await startTransferPipeline({
        cfg: config.transfers,
        hubChainId: config.hub.chainId,
        hubPrefix: hubPrefixOf(config.transfers),
        comet: () => hub.comet(),
        redis,
        redisUrl: config.redis.url,
        newConnection: () => redisConnection(config.redis.url),
        prefix,
        chains: chains.map((c) => ({ name: c.name, chainId: c.chainId, confirmations: c.cfg.confirmations, maxInFlight: c.cfg.maxInFlight, rpc: c.rpc, sender: c.sender, sequencer: c.sequencer })),
        attesters: attesterWallets,
        env,
        pool,
        signatureWaitMs: config.signatureWaitMs,
        registry: metrics.registry,
        log,
        stopping: () => stopping,
        queue: config.queue,
      });
      log.info({ escrow: config.transfers.escrow.address, bridges: config.transfers.bridges, startHeight: config.transfers.startHeight }, "transfer pipeline started");
    }

    // Workers.
    const processorDeps = { attesters, pool, signatureWaitMs: config.signatureWaitMs, metrics, log, aborted: () => stopping };
    for (const c of chains) {
      const worker = new Worker<PostJobData, PostJobResult>(queueName(c.name), makeProcessor(c, processorDeps), {
        connection: redisConnection(config.redis.url),
        prefix,
        concurrency: c.cfg.maxInFlight,
        lockDuration: config.queue.lockDurationMs,
        stalledInterval: config.queue.lockDurationMs,
        maxStalledCount: 1_000,
        autorun: false,
      });
      // Work only while holding the chain's lease; stand by otherwise. On taking over, jobs a dead
      // holder left active go back to the FRONT of the queue first (BullMQ's own stalled check would
      // requeue them only later, after newer jobs, and their reports would then arrive stale).
      let running = false;
      const onLeaseHeld = async () => {
        // A failed recovery must not keep the worker from running: it is logged and the worker starts.
        try {
          const moved = await recoverOrphans(c);
          if (moved) log.warn({ chain: c.name, jobs: moved }, "requeued jobs a dead instance left active, ahead of newer ones");
        } catch (e) {
          log.error({ chain: c.name, err: e }, "orphan recovery failed; the worker starts anyway (BullMQ's stalled check requeues them later)");
        }
        if (stopping) return;
        const transferWorker = transfers?.workers.get(c.name);
        if (!running) {
          running = true;
          worker.run().catch((e) => log.error({ chain: c.name, err: e }, "worker stopped"));
          transferWorker?.run().catch((e) => log.error({ chain: c.name, err: e }, "transfer worker stopped"));
        } else {
          await worker.resume();
          await transferWorker?.resume();
        }
      };
      const lease = new ChainLease(
        redis,
        `${prefix}:lease:${c.name}`,
        config.instance,
        config.queue.lockDurationMs,
        (held) => {
          log.info({ chain: c.name, held }, held ? "submitter lease acquired" : "submitter lease lost; standing by");
          if (held) background(log, "taking over the chain", onLeaseHeld, { chain: c.name });
          else background(log, "pausing the worker", async () => {
            await worker.pause(true);
            await transfers?.workers.get(c.name)?.pause(true);
          }, { chain: c.name });
        },
        (found) => {
          metrics.corruptState.inc({ kind: "lease" });
          log.error({ alert: "corrupt_state", chain: c.name, ...found }, "the submitter lease in Redis has no or too long an expiry; deleted it (nobody could have taken the chain over)");
        },
      );
      lease.start();
      c.lease = lease;
      worker.on("failed", (job, err) => {
        const final = job !== undefined && job.attemptsMade >= config.queue.attempts;
        log[final ? "error" : "warn"]({ chain: c.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, final ? "job failed for good" : "job attempt failed; will retry");
        if (final && job?.id) {
          const jobId = job.id;
          background(log, "claim release", () => claims.release(c.name, jobId, Array.isArray(job.data?.reports) ? job.data.reports.map((r) => r.topicId) : []), { chain: c.name, jobId });
        }
      });
      worker.on("error", (err) => {
        log.error({ chain: c.name, err: err.message }, "worker error");
        // The worker's fetch throws on a job it cannot parse, again and again: move such jobs out.
        if (/JSON|Unexpected token/i.test(err.message)) background(log, "quarantine after a worker error", () => quarantine(c), { chain: c.name });
      });
      c.worker = worker;
    }

    const quarantine = async (c: ChainRuntime): Promise<number> => {
      const moved = await quarantineCorruptJobs(c.queue as unknown as Queue, redis, prefix);
      for (const m of moved) {
        metrics.quarantinedJobs.inc({ chain: c.name });
        log.error({ alert: "job_quarantined", chain: c.name, jobId: m.jobId, reason: m.reason, deadLetter: deadLetterKey(prefix, c.queue.name) }, "unreadable job moved to the dead-letter list");
      }
      return moved.length;
    };
    const recoverOrphans = async (c: ChainRuntime) => {
      await quarantine(c);
      return requeueOrphans(c.queue as unknown as Queue, redis, prefix, config.queue.lockDurationMs + 1_000, log, () => stopping);
    };

    // Attest jobs scheduled by other instances (their attesters cannot sign for us).
    if (attesterWallets.length) {
      const seen = new Set<string>();
      const attestTick = async () => {
        if (stopping) return;
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

    // Periodic queue depths and balances.
    const queueGauges = every(log, "queue depth read", QUEUE_METRICS_MS, async () => {
      for (const c of chains) {
        const counts = await c.queue.getJobCounts("prioritized", "waiting", "active", "delayed", "failed", "completed");
        for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ chain: c.name, state }, n);
      }
    });
    cleanups.push(() => queueGauges.stop());
    const checkBalances = async () => {
      for (const c of chains) {
        try {
          const bal = await c.balance();
          metrics.submitterBalance.set({ chain: c.name, address: c.sender.address }, Number(formatEther(bal)));
          if (bal < parseEther(c.cfg.minBalance)) {
            log.error({ alert: "low_balance", chain: c.name, address: c.sender.address, balance: formatEther(bal), minBalance: c.cfg.minBalance }, "submitter balance low");
          }
        } catch (e) {
          log.warn({ chain: c.name, err: (e as Error).message }, "balance check failed");
        }
      }
    };
    await checkBalances();
    const balances = every(log, "balance check", BALANCE_CHECK_MS, checkBalances);
    cleanups.push(() => balances.stop());

    // Hub: resume from the checkpoint (backfilling block by block) or, on a first start / too large a
    // gap, sweep the latest inference of every topic and follow from the head.
    const checkpoint = new HubCheckpoint(redis, prefix);
    const head = await hub.latestHeight();
    let saved = await checkpoint.get();
    const savedRaw = await checkpoint.raw();
    const badCheckpoint = savedRaw === undefined ? undefined : corruptCheckpoint(savedRaw, head);
    if (savedRaw !== undefined && badCheckpoint !== undefined) {
      metrics.corruptState.inc({ kind: "checkpoint" });
      log.error({ alert: "corrupt_state", checkpoint: savedRaw.slice(0, 40), head, reason: badCheckpoint }, "impossible hub checkpoint in Redis; resetting it to the hub head and resuming from the latest inferences");
      await checkpoint.resetIf(savedRaw, head);
      saved = undefined;
    }
    let from: number;
    const remember = (infs: readonly HubInference[]) => infs.forEach((i) => verifier.remember(i.topicId, i.nonce, i.value, i.timestamp));
    const reportMalformed = (items: HubBlock["malformed"]) => {
      for (const m of items) {
        metrics.malformed.inc({ topic: String(m.topicId ?? "unknown") });
        log.error({ topicId: m.topicId, nonce: m.nonce?.toString(), value: m.raw, err: m.error }, "malformed inference skipped");
      }
    };
    if (saved !== undefined && saved <= head && head - saved <= config.hub.maxBackfillBlocks) {
      from = saved + 1;
      log.info({ checkpoint: saved, head, backfill: Math.max(0, head - saved) }, "hub: resuming from checkpoint");
    } else {
      if (saved !== undefined) log.warn({ checkpoint: saved, head, maxBackfillBlocks: config.hub.maxBackfillBlocks }, "hub: gap beyond maxBackfillBlocks; resuming from the latest inferences");
      const sweep = await hub.latestInferences();
      reportMalformed(sweep.malformed);
      remember(sweep.inferences);
      await scheduler.schedule(sweep.inferences, head, "sweep", Date.now());
      await checkpoint.raise(head);
      from = head + 1;
    }
    metrics.hubCheckpoint.set(Math.max(saved ?? 0, from - 1));
    const progress = new HubProgress(from - 1, Date.now());
    hub.start(from, async (block) => {
      metrics.hubHeight.set(hub.headHeight);
      reportMalformed(block.malformed);
      remember(block.inferences);
      await scheduler.schedule(block.inferences, block.height, "epoch", Date.now());
      const stored = await checkpoint.raise(block.height);
      // Another instance's node may be a little ahead of ours; far beyond our head is someone's write.
      const bad = corruptCheckpoint(String(stored), Math.max(hub.headHeight, block.height), CHECKPOINT_SLACK_BLOCKS);
      if (bad !== undefined) {
        metrics.corruptState.inc({ kind: "checkpoint" });
        log.error({ alert: "corrupt_state", checkpoint: stored, head: hub.headHeight, reason: bad }, "impossible hub checkpoint in Redis; reset to the block just processed");
        await checkpoint.resetIf(String(stored), block.height);
      }
      metrics.hubCheckpoint.set(bad === undefined ? stored : block.height);
      progress.processed(block.height, Date.now());
    });
    const progressSampler = every(log, "hub progress sample", config.hub.pollIntervalMs, async () => progress.sample(hub.headHeight, Date.now()));
    cleanups.push(() => progressSampler.stop());

    const policyOf = (chain: string, topic: number) => policyFor(config, chain, topic);
    const status = async (): Promise<StatusRow[]> => {
      const now = Math.floor(Date.now() / 1000);
      return chains.flatMap((c) => config.hub.topics.map((t) => statusRow(c.name, t, c.watcher.onchain.get(t), policyOf(c.name, t), now)));
    };
    const health = () => {
      const items = chains.flatMap((c) =>
        config.hub.topics.map((t) => {
          const v = c.watcher.onchain.get(t);
          return { chain: c.name, topicId: t, timestamp: v && v.nonce > 0n ? v.timestamp : undefined, heartbeatSeconds: policyOf(c.name, t).heartbeatSeconds };
        }),
      );
      const report = evaluateHealth(items, Math.floor(Date.now() / 1000), startedAt, config.health.graceSeconds);
      const stalledMs = progress.stalledMs(hub.headHeight, Date.now());
      metrics.hubStalled.set(Math.floor(stalledMs / 1000));
      return withHubProgress(report, stalledMs, hubStallLimitMs(config.hub.pollIntervalMs, config.health.graceSeconds));
    };
    // The dashboard shows the queues above (every queue this relayer creates) through their Redis
    // connection and opens none of its own, so the HTTP server closing (the first cleanup) stops it.
    let dashboard: Dashboard | undefined;
    if (config.http.dashboard.enabled) {
      dashboard = await createDashboard({
        path: config.http.dashboard.path,
        readOnly: config.http.dashboard.readOnly,
        title: `Allora relayer ${config.instance}`,
        queues: chains.map((c) => c.queue as unknown as Queue),
        token: dashboardToken,
      });
      if (!dashboard.readOnly) log.warn({ path: dashboard.path, host: config.http.host }, "queue dashboard is WRITABLE: anyone who reaches this port can retry, remove or add jobs");
    }
    // The explorer page and its JSON (read-only; values from the chains and the hub, see explorer/service.ts).
    const explorer = createExplorer({
      instance: config.instance,
      topics: config.hub.topics,
      chains: chains.map((c) => ({ name: c.name, chainId: c.chainId, onchain: c.watcher.onchain, policy: (t: number) => policyOf(c.name, t), provider: () => c.rpc.current })),
      hub: { chainId: config.hub.chainId, comet: () => hub.comet(), head: () => hub.headHeight },
      health,
      transfers: config.transfers?.enabled ? () => transfersSourceOf(config, hub.comet(), (name) => chains.find((c) => c.name === name)!.rpc.current)! : undefined,
    });
    cleanups.push(() => explorer.close());
    const httpServer = await startHttp(config.http.host, config.http.port, { registry: metrics.registry, health, status, dashboard, explorer });
    cleanups.push(() => httpServer.close());
    const dashboardUrl = dashboard ? `${httpServer.url}${dashboard.path}` : undefined;

    log.info(
      {
        instance: config.instance,
        httpUrl: httpServer.url,
        dashboardUrl,
        chains: chains.map((c) => c.name),
        topics: config.hub.topics,
        attesters: attesterWallets.map((w) => w.address),
        attesterKeys: config.attesters.map(describeKeySource),
        hubHeight: head,
      },
      "relayer ready",
    );

    let stopped: Promise<void> | undefined;
    return {
      instance: config.instance,
      httpUrl: httpServer.url,
      dashboardUrl,
      status,
      stop: () =>
        (stopped ??= (async () => {
          stopping = true;
          // Transfers first: their loops and the escrow worker read the hub through the watcher's client.
          await transfers?.stop();
          await hub.stop();
          const closing = Promise.all(chains.map((c) => c.worker?.close()));
          const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), SHUTDOWN_GRACE_MS).unref())]);
          if (timedOut) {
            log.warn("active jobs did not finish in time; closing workers forcefully (their jobs resume from the journal)");
            await Promise.all(chains.map((c) => c.worker?.close(true)));
          }
          // Hand the chains over only now, so no other instance pipelines alongside our last jobs.
          await Promise.all(chains.map((c) => c.lease?.stop()));
          await cleanup();
          log.info("relayer stopped");
        })()),
    };
  } catch (e) {
    stopping = true;
    await cleanup();
    throw e;
  }
}

