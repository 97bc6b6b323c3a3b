/**
 * The relayer daemon in-process: `startRelayer(config) -> { httpUrl, status(), stop() }`.
 *
 * This file only composes: the shared parts (keys, Redis, the hub watcher, the signature pool, metrics, and
 * per chain the RPC, the submitter and its sequencer, the lease), the inference pipeline (inference/: hub
 * inferences attested and posted to each chain's oracle) and, when configured, the transfer pipeline
 * (transfer/: ALLO carried between the hub and the chains). Per chain, the lease holder runs both
 * pipelines' workers over one submitter key and one nonce sequence; then the HTTP endpoints.
 */
import { installFastKeccak } from "./crypto/keccak";
import type { Queue } from "bullmq";
import { Wallet, formatEther, parseEther } from "ethers";
import type { Logger } from "pino";
import { LoadedConfig } from "./config/load";
import { describeKeySource, loadWallet, scrubKeyEnv } from "./config/keys";
import { createLogger } from "./log";
import { HubWatcher } from "./hub/watcher";
import { FailoverRpc } from "./evm/rpc";
import { SignaturePool } from "./attest/pool";
import { NonceManager } from "./submit/nonce";
import { TxSender } from "./submit/sender";
import { ChainLease } from "./queue/lease";
import { background, every } from "./tasks";
import { Sequencer } from "./submit/sequencer";
import { countKeys, RelayerMetrics } from "./metrics/metrics";
import { startInferencePipeline, type InferencePipeline, type SharedChain } from "./inference/pipeline";
import { startTransferPipeline, type TransferPipeline } from "./transfer/pipeline";
import { hubPrefixOf } from "./config/transfers";
import { startHttp } from "./health/server";
import { createDashboard, Dashboard } from "./health/dashboard";
import { createExplorer } from "./explorer/service";
import { createPullReports } from "./reports";
import { transfersSourceOf } from "./explorer/source";
import { StatusRow } from "./status";
import { policyFor } from "./config/schema";
import { describeRedis } from "./config/redis";
import { redisConnection } from "./redis/connect";
import { checkRedisSettings } from "./redis/settings";
import { RedisStateWatch } from "./redis/state";

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

const BALANCE_CHECK_MS = 30_000;
const SHUTDOWN_GRACE_MS = 10_000;
/** The dashboard's access token from the variable http.dashboard.tokenEnv names (undefined when none). */
function readDashboardToken(config: LoadedConfig, env: Record<string, string | undefined>): string | undefined {
  const name = config.http.dashboard.tokenEnv;
  if (!config.http.dashboard.enabled || name === undefined) return undefined;
  const token = env[name];
  if (token === undefined || token.length < 16) throw new Error(`http.dashboard.tokenEnv: ${name} must hold an access token of at least 16 characters (e.g. export ${name}=$(openssl rand -hex 24))`);
  return token;
}

export async function startRelayer(config: LoadedConfig, options: StartOptions = {}): Promise<RelayerHandle> {
  const log = options.logger ?? createLogger(config.log.level, config.instance);
  const env = options.env ?? process.env;
  const prefix = config.redis.prefix;
  const startedAt = Math.floor(Date.now() / 1000);
  let stopping = false;
  await installFastKeccak();
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

    // Auto-pipelined: the commands one tick issues (signature pool, claims, checkpoints, under load hundreds)
    // go out in one socket write; a profile of the bridge bench had 14 % of the relayer's CPU in Redis writes.
    // Only this shared connection: BullMQ's connections carry blocking commands and stay as they are.
    const redis = redisConnection(config.redis, { enableAutoPipelining: true });
    cleanups.push(() => void redis.disconnect());
    redis.on("error", (e: Error) => log.warn({ err: e.message, redis: describeRedis(config.redis) }, "Redis connection error; reconnecting by itself"));
    await redis.ping();
    await checkRedisSettings(redis, log);
    const stateWatch = new RedisStateWatch(redis, prefix, config.instance, log);
    await stateWatch.start();
    cleanups.push(() => stateWatch.stop());

    // The watcher checks the chain id on every connect and every /status poll, so a failover to a node
    // of another network is refused (issue 19 finding 7).
    const hub = new HubWatcher(
      { rpcUrls: config.hub.rpcUrls, websocket: config.hub.websocket, pollIntervalMs: config.hub.pollIntervalMs, topics: config.hub.topics, labelled: config.hub.labelled, chainId: config.hub.chainId },
      log,
    );
    cleanups.push(() => hub.stop());
    await hub.connect();

    const pool = new SignaturePool(redis, prefix);
    // The metrics read the inference pipeline's on-chain cache, which exists only once it has started.
    const pipelines: { inference?: InferencePipeline } = {};
    const pairs = () => config.chains.flatMap((c) => config.hub.topics.map((t) => [c.name, t] as [string, number]));
    const metrics = new RelayerMetrics(config.instance, (chain, topic) => pipelines.inference?.ageOf(chain, topic), pairs);
    metrics.trackRedisKeys(() => countKeys(redis, prefix));

    // Shared per chain: the RPC and the submitter (one key, one nonce sequence for both pipelines).
    const chains: SharedChain[] = [];
    for (const cfg of config.chains) {
      const rpc = new FailoverRpc(cfg.name, cfg.rpcUrls, cfg.chainId, log);
      cleanups.push(() => rpc.destroy());
      // Every URL, fallbacks included: a fallback on another network would otherwise be found only
      // when the first URL fails (use() checks again after every failover).
      await rpc.checkAll();
      const wallet = submitterWallets.get(cfg.name)!;
      const nonces = new NonceManager({ pendingNonce: () => rpc.use((p) => p.getTransactionCount(wallet.address, "pending")) });
      const sender = new TxSender(cfg, rpc, wallet, nonces, log, () => stopping);
      chains.push({ name: cfg.name, chainId: cfg.chainId, cfg, rpc, sender, sequencer: new Sequencer(), balance: () => rpc.use((p) => p.getBalance(wallet.address)) });
    }

    // Pull mode: attesters sign each new inference per chain as a single report; the service serves them.
    const pullReports = createPullReports({
      redis,
      prefix,
      chains: chains.map((c) => ({ name: c.name, chainId: c.chainId, oracle: config.oracles[c.name], provider: () => c.rpc.current })),
      attesters: attesterWallets,
      topics: config.hub.topics,
      hubChainId: config.hub.chainId,
      log,
    });

    const inference = await startInferencePipeline({
      config,
      redis,
      newConnection: () => redisConnection(config.redis),
      hub,
      pool,
      attesterWallets,
      metrics,
      log,
      stopping: () => stopping,
      chains,
      cleanups,
      startedAt,
      onInferences: (infs) => pullReports.sign(infs),
    });
    pipelines.inference = inference;

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
        redisUrl: describeRedis(config.redis),
        newConnection: () => redisConnection(config.redis),
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

    // Per chain, only the lease holder runs both pipelines' workers; the others stand by.
    const leases: ChainLease[] = [];
    for (const c of chains) {
      const workers = () => [
        { what: "worker", w: inference.worker(c.name) },
        ...(transfers?.workers.get(c.name) ? [{ what: "transfer worker", w: transfers.workers.get(c.name)! }] : []),
      ];
      let running = false;
      const onLeaseHeld = async () => {
        // On taking over, jobs a dead holder left active go back to the FRONT of the queue first (BullMQ's own
        // stalled check would requeue them only later, after newer jobs, and their reports would then arrive stale).
        await inference.recoverOrphans(c.name);
        if (stopping) return;
        if (!running) {
          running = true;
          for (const { what, w } of workers()) w.run().catch((e) => log.error({ chain: c.name, err: e }, `${what} stopped`));
        } else {
          for (const { w } of workers()) await w.resume();
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
            for (const { w } of workers()) await w.pause(true);
          }, { chain: c.name });
        },
        (found) => {
          metrics.corruptState.inc({ kind: "lease" });
          log.error({ alert: "corrupt_state", chain: c.name, ...found }, "the submitter lease in Redis has no or too long an expiry; deleted it (nobody could have taken the chain over)");
        },
      );
      lease.start();
      leases.push(lease);
    }

    // Periodic submitter balances (shared by both pipelines).
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

    const head = await inference.follow();
    const status = () => inference.status();
    const health = () => inference.health();
    // The dashboard shows the queues above (every queue this relayer creates) through their Redis
    // connection and opens none of its own, so the HTTP server closing (the first cleanup) stops it.
    let dashboard: Dashboard | undefined;
    if (config.http.dashboard.enabled) {
      dashboard = await createDashboard({
        path: config.http.dashboard.path,
        readOnly: config.http.dashboard.readOnly,
        title: `Allora relayer ${config.instance}`,
        queues: inference.chains.map((c) => c.queue as unknown as Queue),
        token: dashboardToken,
      });
      if (!dashboard.readOnly) log.warn({ path: dashboard.path, host: config.http.host }, "queue dashboard is WRITABLE: anyone who reaches this port can retry, remove or add jobs");
    }
    // The explorer page and its JSON (read-only; values from the chains and the hub, see explorer/service.ts).
    const explorer = createExplorer({
      instance: config.instance,
      topics: config.hub.topics,
      chains: inference.chains.map((c) => ({ name: c.name, chainId: c.chainId, onchain: c.watcher.onchain, policy: (t: number) => policyFor(config, c.name, t), provider: () => c.rpc.current })),
      hub: { chainId: config.hub.chainId, comet: () => hub.comet(), head: () => hub.headHeight },
      health,
      transfers: config.transfers?.enabled ? () => transfersSourceOf(config, hub.comet(), (name) => chains.find((c) => c.name === name)!.rpc.current)! : undefined,
    });
    cleanups.push(() => explorer.close());
    const httpServer = await startHttp(config.http.host, config.http.port, { registry: metrics.registry, health, status, dashboard, explorer, reports: pullReports.service });
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
          const closing = inference.closeWorkers();
          const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), SHUTDOWN_GRACE_MS).unref())]);
          if (timedOut) {
            log.warn("active jobs did not finish in time; closing workers forcefully (their jobs resume from the journal)");
            await inference.closeWorkers(true);
          }
          // Hand the chains over only now, so no other instance pipelines alongside our last jobs.
          await Promise.all(leases.map((l) => l.stop()));
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

