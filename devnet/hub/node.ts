/**
 * The hub devnet node: a CometBFT-compatible JSON-RPC/websocket server in front of the devnet app
 * (auth, bank, emissions), producing blocks at a fixed interval.
 *
 * ```ts
 * const node = await startHubDevnet({ port: 0, quiet: true });
 * const client = await StargateClient.connect(node.rpcUrl);
 * ...
 * await node.stop();
 * ```
 */
import { AddressInfo } from "node:net";
import http from "node:http";
import os from "node:os";
import pino, { Logger } from "pino";
import { HubApp, moduleAddress } from "./chain/app";
import { BlockRecord } from "./chain/blocks";
import { Mutex } from "./chain/mutex";
import { DEFAULT_CONFIG_PATH, HubConfig, HubConfigInput, loadConfigFile, parseConfig } from "./config";
import { buildGenesis, GenesisAccount } from "./genesis";
import { EmissionsModule, FaultKind } from "./modules/emissions";
import { blockIdJSON, blockJSON, eventJSON, FormatContext, headerJSON, txResultJSON } from "./rpc/format";
import { createHttpServer } from "./rpc/http";
import { NodeCore, RpcError, RpcMethods } from "./rpc/methods";
import { addEventTags, Tags } from "./rpc/query";
import { EventBus } from "./rpc/ws";

export interface HubDevnetOptions {
  /** TCP port; 0 picks a free port (default 26657) */
  port?: number;
  /** host to bind (default 127.0.0.1) */
  host?: string;
  /** a config file path (JSON/YAML) or a config object; default devnet/hub.config.json */
  config?: string | HubConfigInput;
  /** overrides the config's block interval */
  blockTimeMs?: number;
  /** no logs */
  quiet?: boolean;
  /** pino log level when not quiet (default "info") */
  logLevel?: string;
}

export interface BlockStats {
  height: number;
  /** wall time to produce the block (txs + end blockers), ms */
  blockMs: number;
  /** of which waiting for / computing the epoch outcomes of the closing topics, ms */
  synthesisMs: number;
  /** compute time of those outcomes (in the worker thread when it runs ahead), ms */
  computeMs: number;
  txs: number;
}

export interface HubDevnet {
  rpcUrl: string;
  wsUrl: string;
  chainId: string;
  port: number;
  config: HubConfig;
  /** genesis accounts with their derived addresses (multisig accounts carry their amino pubkey) */
  accounts: GenesisAccount[];
  feeCollector: string;
  height(): number;
  waitForHeight(height: number, timeoutMs?: number): Promise<void>;
  /** devnet-only fault hook, same as the `devnet_injectFault` RPC method */
  injectFault(topicId: number, kind: FaultKind, count?: number): void;
  /** stats of recent blocks (last 100) */
  blockStats(): BlockStats[];
  /**
   * Stops producing blocks (resolves once a block in production is published); queries, txs into the
   * mempool and subscriptions keep being served. For tests that need the chain to stand still, e.g. to let a
   * relayer drain its queue and then count what it keeps.
   */
  pauseBlocks(): Promise<void>;
  /** Produces blocks again, from the next tick of the block interval. */
  resumeBlocks(): void;
  stop(): Promise<void>;
}

export async function startHubDevnet(opts: HubDevnetOptions = {}): Promise<HubDevnet> {
  const cfg =
    typeof opts.config === "object"
      ? parseConfig(opts.config)
      : loadConfigFile(opts.config ?? DEFAULT_CONFIG_PATH);
  const blockTimeMs = opts.blockTimeMs ?? cfg.blockTimeMs;
  const log: Logger = pino({ name: "hub-devnet", level: opts.quiet ? "silent" : (opts.logLevel ?? "info") });
  const retainedEvents = cfg.topics.reduce((n, t) => n + cfg.blockRetention / t.epochLength, 0);
  if (retainedEvents > 200_000) {
    log.warn(
      { blockRetention: cfg.blockRetention, topics: cfg.topics.length },
      `blockRetention keeps ~${Math.round(retainedEvents)} EventNetworkInferences in memory (~${Math.round(retainedEvents * 2 / 1024)} MB); lower blockRetention for many topics`,
    );
  }

  const emissions = new EmissionsModule(cfg.topics, {
    prefix: cfg.bech32Prefix,
    chainId: cfg.chainId,
    bundleHistory: cfg.bundleHistory,
    creator: moduleAddress("emissions", cfg.bech32Prefix),
    queryVersions: cfg.emissionsQueryVersions,
    variants: cfg.synthesisVariants === "all" || (cfg.synthesisVariants === "auto" && cfg.topics.length <= 20),
    workers:
      cfg.synthesisWorkers === "auto"
        ? cfg.topics.length >= 10
          ? Math.min(2, os.availableParallelism())
          : 0
        : cfg.synthesisWorkers,
  });
  const app = new HubApp(
    {
      chainId: cfg.chainId,
      prefix: cfg.bech32Prefix,
      denom: cfg.denom,
      minGasPrice: cfg.minGasPrice,
      maxTxsPerBlock: cfg.maxTxsPerBlock,
      blockRetention: cfg.blockRetention,
    },
    [emissions],
  );
  const accounts = await buildGenesis(cfg, app.state);
  app.initChain();

  const mutex = new Mutex();
  const bus = new EventBus();
  const txWaiters = new Map<string, ((loc: { height: number; index: number }) => void)[]>();
  const heightWaiters: { height: number; resolve: () => void }[] = [];
  const stats: BlockStats[] = [];
  const genesisTime = new Date();
  let listenAddr = "";

  const core: NodeCore = {
    cfg,
    app,
    emissions,
    genesisTime,
    get rpcListenAddr() {
      return listenAddr;
    },
    broadcast: (tx) =>
      mutex.run(async () => {
        const { txHash } = await import("./chain/blocks");
        const hash = txHash(tx);
        if (app.mempool.some((t) => t.hash === hash) || app.blocks.findTx(hash)) {
          throw RpcError.internal("tx already exists in cache");
        }
        const r = await app.checkTx(tx);
        log.debug({ hash, code: r.code, log: r.log }, "CheckTx");
        return r;
      }),
    waitForTx: (hash, timeoutMs) => {
      const loc = app.blocks.findTx(hash);
      if (loc) return Promise.resolve(loc);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        const list = txWaiters.get(hash) ?? [];
        list.push((l) => {
          clearTimeout(timer);
          resolve(l);
        });
        txWaiters.set(hash, list);
      });
    },
  };
  const methods = new RpcMethods(core);
  const fmt: FormatContext = {
    chainId: cfg.chainId,
    validatorAddress: app.validatorAddress,
    validatorPubKey: app.validatorPubKey,
    getBlock: (h) => app.blocks.get(h),
  };

  const publish = (b: BlockRecord): void => {
    if (bus.subscriberCount > 0) {
      const blockEvents = b.finalizeEvents.map(eventJSON);
      const blockTags = (kind: string): Tags => addEventTags(new Map([["tm.event", [kind]]]), b.finalizeEvents);
      bus.publish({
        data: {
          type: "tendermint/event/NewBlock",
          value: {
            block: blockJSON(fmt, b),
            block_id: blockIdJSON(b.hash),
            result_finalize_block: {
              events: blockEvents,
              tx_results: b.txResults.map(txResultJSON),
              validator_updates: [],
              app_hash: Buffer.from(app.currentAppHash, "hex").toString("base64"),
            },
          },
        },
        tags: blockTags("NewBlock"),
      });
      bus.publish({
        data: { type: "tendermint/event/NewBlockHeader", value: { header: headerJSON(fmt, b) } },
        tags: blockTags("NewBlockHeader"),
      });
      b.txs.forEach((tx, index) => {
        const tags: Tags = new Map([
          ["tm.event", ["Tx"]],
          ["tx.hash", [b.txHashes[index]]],
          ["tx.height", [String(b.height)]],
        ]);
        addEventTags(tags, b.txResults[index].events);
        bus.publish({
          data: {
            type: "tendermint/event/Tx",
            value: {
              TxResult: {
                height: String(b.height),
                index,
                tx: Buffer.from(tx).toString("base64"),
                result: txResultJSON(b.txResults[index]),
              },
            },
          },
          tags,
        });
      });
      bus.publish({
        data: {
          type: "tendermint/event/NewBlockEvents",
          value: { height: String(b.height), events: blockEvents, num_txs: String(b.txs.length) },
        },
        tags: blockTags("NewBlockEvents"),
      });
    }
    b.txHashes.forEach((hash, index) => {
      const ws = txWaiters.get(hash);
      if (ws) {
        txWaiters.delete(hash);
        for (const w of ws) w({ height: b.height, index });
      }
    });
    for (let i = heightWaiters.length - 1; i >= 0; i--) {
      if (heightWaiters[i].height <= b.height) {
        heightWaiters[i].resolve();
        heightWaiters.splice(i, 1);
      }
    }
  };

  let lastTime = 0;
  const produce = () =>
    mutex.run(async () => {
      const t0 = performance.now();
      let now = Date.now();
      if (now <= lastTime) now = lastTime + 1;
      lastTime = now;
      const b = await app.produceBlock(new Date(now));
      const blockMs = performance.now() - t0;
      stats.push({
        height: b.height,
        blockMs,
        synthesisMs: emissions.lastSynthesisMs,
        computeMs: emissions.lastComputeMs,
        txs: b.txs.length,
      });
      if (stats.length > 100) stats.shift();
      log.debug({ height: b.height, txs: b.txs.length, blockMs: Math.round(blockMs) }, "block");
      if (b.height % 60 === 0) {
        const recent = stats.slice(-60);
        log.info(
          {
            height: b.height,
            avgBlockMs: +(recent.reduce((n, x) => n + x.blockMs, 0) / recent.length).toFixed(1),
            avgComputeMs: +(recent.reduce((n, x) => n + x.computeMs, 0) / recent.length).toFixed(1),
            mempool: app.mempool.length,
          },
          "blocks",
        );
      }
      for (const err of emissions.lastErrors) log.error({ height: b.height, err }, "synthesis failed; epoch skipped");
      if (blockMs > blockTimeMs) log.warn({ height: b.height, blockMs }, "block production slower than the block interval");
      for (const [i, r] of b.txResults.entries()) {
        log.info({ height: b.height, hash: b.txHashes[i], code: r.code, log: r.code ? r.log : undefined }, "tx");
      }
      return b;
    });

  // block 1 right away so that status/queries have a block to point at
  publish(await produce());

  let stopped = false;
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<unknown> = Promise.resolve();
  const start = Date.now();
  let k = 1;
  const schedule = () => {
    if (stopped || paused) return;
    const due = start + k * blockTimeMs;
    timer = setTimeout(() => {
      k += 1;
      // skip ticks we missed rather than bursting
      while (start + k * blockTimeMs < Date.now()) k += 1;
      inflight = produce()
        .then(publish)
        .catch((e) => log.error({ err: e }, "block production failed"))
        .finally(schedule);
    }, Math.max(0, due - Date.now()));
  };
  schedule();

  const server: http.Server = createHttpServer(methods, bus, log);
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A relayer's start-up sweep asks for every topic at once (1,000 connections at 1,000 topics): Node's
    // default backlog of 511 refused the rest ("fetch failed") while the event loop was busy with a block.
    server.listen({ port: opts.port ?? 26657, host, backlog: 4096 }, () => resolve());
  }).catch((e) => {
    stopped = true;
    if (timer) clearTimeout(timer);
    throw new Error(`cannot listen on ${host}:${opts.port ?? 26657}: ${(e as Error).message} (fix: pick another --port, or 0 for a free one)`);
  });
  const port = (server.address() as AddressInfo).port;
  listenAddr = `tcp://${host}:${port}`;
  const rpcUrl = `http://${host}:${port}`;
  log.info({ rpcUrl, chainId: cfg.chainId, topics: cfg.topics.length, blockTimeMs }, "hub devnet started");

  return {
    rpcUrl,
    wsUrl: `ws://${host}:${port}/websocket`,
    chainId: cfg.chainId,
    port,
    config: cfg,
    accounts,
    feeCollector: app.feeCollector,
    height: () => app.height,
    waitForHeight: (height, timeoutMs = 30_000) =>
      app.height >= height
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`timed out waiting for height ${height}`)), timeoutMs);
            heightWaiters.push({
              height,
              resolve: () => {
                clearTimeout(t);
                resolve();
              },
            });
          }),
    injectFault: (topicId, kind, count = 1) => {
      emissions.injectFault(BigInt(topicId), kind, count);
    },
    blockStats: () => [...stats],
    pauseBlocks: async () => {
      paused = true;
      if (timer) clearTimeout(timer);
      await inflight.catch(() => undefined);
    },
    resumeBlocks: () => {
      if (!paused) return;
      paused = false;
      k = Math.floor((Date.now() - start) / blockTimeMs); // the ticks missed while paused are skipped
      schedule();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await inflight.catch(() => undefined);
      bus.closeAll();
      await emissions.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log.info("hub devnet stopped");
    },
  };
}
