/**
 * `npm run bench:relay [-- --topics 100 --epochs 30 --epoch-length 1]`: relay throughput and latency on the local network.
 *
 * Starts the local network (hub devnet with T topics and 1 s blocks, three Hardhat chains, the contracts)
 * on its own ports and chain ids, starts one relayer as a child process, lets it catch up, then measures
 * over N hub epochs and writes bench/results/relay.json:
 *
 * The window: N hub epochs, and on each chain the blocks mined meanwhile (from the chain's head when the
 * window's first hub block comes to its head when the last one does).
 *
 * - latency_ms {p50, p99}: for every report stored in a window block of every chain, the time this benchmark
 *   first saw that chain block minus the time it first saw hub block `nonce` (the block carrying the
 *   inference). Both are first sightings on this process's clock (bench/block-clock.ts, every head polled
 *   each 100 ms): neither the chains' timestamps (ahead of the wall clock after the deploy) nor the hub's
 *   header times (the start of a block's production) are used. A relayer behind the hub posts only each
 *   topic's newest value (older epochs are never stored), so the samples are what was stored, however old.
 * - tx_per_epoch_per_chain: oracle transactions in the window's blocks, divided by the number of epochs
 *   (mean over chains; per chain in `per_chain`, with reports_stored_per_epoch: T when the relayer keeps up).
 * - gas_per_topic_update: gasUsed / reports stored, averaged over the transactions that stored at least 90 % of
 *   a full batch (maxBatchSize, or the most topics closing in one hub block when fewer);
 *   `gas_per_topic_update_all_txs` over every window transaction.
 * - rss_mb: the relayer process group's resident set size, sampled every 500 ms, maximum.
 * - relayer_cpu_ms_per_epoch: CPU time (user + system) of the relayer's process group from the start of the
 *   window until every chain stored its last epoch, divided by the hub blocks made in that time.
 *
 * More topics than one transaction holds (100) go out as several transactions an epoch (ceil(T / 100)), and
 * the relayer may keep that many in flight per chain (maxInFlight, at least the schema's 3, at most 16).
 *
 * `--epoch-length L` gives the generated topics (3..T) epochs of L hub blocks, spread over the length as
 * the hub spreads topics by their creation block (topic i closes at heights h with h % L == i % L): about
 * T / L topics close in each block. The window's "epochs" are then hub blocks (an epoch of a 1-block
 * topic), and `relayer_cpu_ms_per_topic_per_epoch` divides by the topic epochs that closed meanwhile.
 * The hub refuses epochs shorter than its `min_epoch_length` (12 blocks in allora-chain's default params),
 * so L = 1 with many topics is a load the hub cannot make; it measures the relay's capacity.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { BlockClock } from "./block-clock";
import { groupCpuSeconds, groupRssMb, percentile } from "./measure";
import { ethers } from "ethers";
import { LocalNetwork, REPO_ROOT, startLocalNetwork } from "../scripts/devnet/network";
import { resolveOptions } from "../scripts/devnet/options";
import { oracleActivity, OracleActivity } from "../scripts/lib/oracle-events";
import { oracleAt, readInference } from "../scripts/lib/oracle";
import { deleteRedisNamespace } from "../scripts/lib/redis";
import { hubConfigWithTopics, type TopicShape } from "../scripts/devnet/hub";
import { epochClosesAt, lastEpochCloseAt, parseConfig, type EpochPhase } from "../devnet/hub/config";

const BENCH_ENV = {
  DEVNET_ETHEREUM_CHAIN_ID: "51337",
  DEVNET_BNB_CHAIN_ID: "51338",
  DEVNET_BASE_CHAIN_ID: "51339",
};
/** Reports per transaction (the relayer's chains[].maxBatchSize): `--max-batch-size`, default 100. */
let MAX_BATCH = 100;
const TOPIC_SHAPE = { inferers: 2, forecasters: 1, reputers: 1 };

const program = new Command()
  .name("npm run bench:relay --")
  .option("--topics <n>", "topics (T)", "100")
  .option("--epochs <n>", "hub blocks measured after warm-up (epochs of a 1-block topic)", "30")
  .option("--epoch-length <blocks>", "epoch length of the generated topics, spread over the length (the hub's minimum is 12)", "1")
  .option("--chain-block-time <ms>", "EVM block time", "1000")
  .option("--out <file>", "result file", "bench/results/relay.json")
  .option("--max-batch-size <n>", "reports per transaction (the relayer's chains[].maxBatchSize, at most 500)", "100")
  // off by default, as in the relayer's schema: the relay targets are for the production default; strict's
  // cost is measured by a second run (docs/benchmarks.md, "Verifiable synthesis")
  .option("--verify <mode>", "the relayer's verify mode for every topic: off (the schema's default), warn, strict (the local network's)", "off")
  .option(
    "--compare <file>",
    "a result of a run with another verify mode (e.g. bench/results/relay.json, verify off): its latency is put next to this run's",
  );

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries a read a few times: a local node under load sometimes drops a keep-alive connection. */
async function retry<T>(what: string, fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(500 * i);
    }
  }
}


/**
 * The provider with each block, receipt and log read retried: reading a window is hundreds of reads (a block
 * and a receipt per transaction), and one dropped keep-alive connection must not fail them all.
 */
function retryingReads(provider: ethers.JsonRpcProvider): ethers.JsonRpcProvider {
  const retried = new Set<PropertyKey>(["getBlock", "getTransactionReceipt", "getLogs"]);
  return new Proxy(provider, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      return retried.has(key)
        ? (...args: unknown[]) => retry(String(key), async () => fn.apply(target, args))
        : fn.bind(target);
    },
  });
}

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ topics: string; epochs: string; epochLength: string; chainBlockTime: string; out: string; verify: string; compare?: string; maxBatchSize: string }>();
  if (!["strict", "warn", "off"].includes(o.verify)) throw new Error(`--verify: expected strict, warn or off, got ${o.verify}`);
  MAX_BATCH = Number(o.maxBatchSize);
  if (!Number.isInteger(MAX_BATCH) || MAX_BATCH < 1 || MAX_BATCH > 500) throw new Error(`--max-batch-size ${o.maxBatchSize}: give a whole number from 1 to 500 (the relayer's limit)`);
  const topics = Number(o.topics);
  const epochs = Number(o.epochs);
  const epochLength = Number(o.epochLength);
  if (!Number.isInteger(epochLength) || epochLength < 1 || epochLength > 1000)
    throw new Error(`--epoch-length ${o.epochLength}: give a whole number of hub blocks from 1 to 1000`);
  const shape: TopicShape = { ...TOPIC_SHAPE, ...(epochLength > 1 ? { epochLength } : {}) };
  // Each topic's epoch length and phase as the hub devnet gets them (topics 1-2 keep the default config's), and
  // the devnet's own rule for when they close.
  const phases: EpochPhase[] = parseConfig(hubConfigWithTopics(topics, 1000, shape)).topics;
  /** the newest epoch of topic t (1-based) closed at or below hub height h */
  const lastEpochAt = (t: number, h: bigint): bigint => BigInt(lastEpochCloseAt(phases[t - 1], Number(h)));
  /** topics whose epoch closes at hub height h */
  const closingAt = (h: bigint): number => phases.filter((p) => epochClosesAt(p, Number(h))).length;
  /** topic epochs that close in hub blocks from..to */
  const closingIn = (from: bigint, to: bigint): number => {
    let n = 0;
    for (let h = from; h <= to; h++) n += closingAt(h);
    return n;
  };
  const closingMax = Math.max(...Array.from({ length: epochLength }, (_, k) => closingAt(BigInt(k))));
  for (const [k, v] of Object.entries(BENCH_ENV)) process.env[k] = v;
  const opts = resolveOptions({
    chainPorts: "29545,29546,29547",
    hubPort: "29657",
    metricsPort: "29464",
    stateDir: ".devnet/bench",
    topics: String(topics),
    blockTime: o.chainBlockTime,
    hubBlockTime: "1000",
    relayer: false,
  });
  // No queue dashboard: the relayer is measured as mainnet runs it (the dashboard's modules cost ~10 MB RSS).
  const txPerEpoch = Math.ceil(closingMax / MAX_BATCH);
  const maxInFlight = Math.min(16, Math.max(3, txPerEpoch + 2));
  opts.relayerConfig = { maxBatchSize: MAX_BATCH, maxInFlight, logLevel: "info", dashboard: false, verify: o.verify as "strict" | "warn" | "off" };
  // What is measured is the relay, not the synthesis: the generated topics get a light simulation
  // (2 inferers, 1 forecaster, 1 reputer) so that the hub devnet keeps its 1 s blocks with 100 topics.
  opts.hub.topicShape = shape;
  // The feed adapters are not measured; deploying one per topic took 22 minutes at 1,000 topics (one
  // transaction per chain block), so only the two default topics get one.
  opts.feedTopics = Math.min(topics, 2);
  const load0 = os.loadavg();
  let stopNetwork: (() => Promise<void>) | undefined;
  const cleanup = async (): Promise<void> => {
    await stopNetwork?.();
  };
  process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
  let net: LocalNetwork;
  try {
    console.log(
      `bench:relay: ${topics} topics (epochs of ${epochLength} hub block${epochLength > 1 ? "s" : ""}, up to ${closingMax} closing a block), 3 chains, hub blocks 1000 ms, chain blocks ${o.chainBlockTime} ms`,
    );
    net = await startLocalNetwork(opts, {
      log: (l) => console.log(`  ${l}`),
      onStopAvailable: (s) => (stopNetwork = s),
    });
    const views = net.manifest.chains.map((c) => {
      const provider = new ethers.JsonRpcProvider(c.rpc, c.chainId, { staticNetwork: true });
      return {
        chain: c,
        provider,
        oracle: oracleAt(c.contracts.oracle, provider),
      };
    });
    // Hub and chain blocks on one clock, this process's: first sightings (block-clock.ts). The chains' own
    // timestamps run seconds ahead of the wall clock after the deploy, and a hub header's time is when the
    // block's production started, not when it could be read (seconds apart when the hub is behind).
    const hubKey = "hub";
    const clock = new BlockClock({
      [hubKey]: async () => net.hub.height(),
      ...Object.fromEntries(views.map((v) => [v.chain.name, () => v.provider.getBlockNumber()])),
    });
    clock.start();

    const relayer = net.startRelayer(1);
    let rssMax = 0;
    const rssSamples: number[] = [];
    const rssTimer = setInterval(() => {
      const mb = groupRssMb(relayer.child.pid);
      if (mb > 0) {
        rssSamples.push(mb);
        rssMax = Math.max(rssMax, mb);
      }
    }, 500);
    const ready = await relayer.ready(120_000);
    console.log(`  relayer ready at hub height ${ready.hubHeight}`);

    // Warm-up: every topic on every chain at least at the height the relayer started from.
    const allAtLeast = async (h: bigint, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let ok = true;
        for (const v of views) {
          for (let t = 1; t <= topics && ok; t++)
            if ((await retry(`${v.chain.name} topic ${t}`, () => readInference(v.oracle, t))).nonce < lastEpochAt(t, h)) ok = false;
          if (!ok) break;
        }
        if (ok) return true;
        if (Date.now() > deadline) return false;
        await sleep(500);
      }
    };
    const warm = await allAtLeast(BigInt(Number(ready.hubHeight)), 120_000);
    console.log(`  warm-up ${warm ? "done" : "NOT complete after 120 s (measuring anyway)"}`);
    const hStart = BigInt(net.hub.height()) + 1n;
    const hEnd = hStart + BigInt(epochs) - 1n;
    console.log(`  measuring hub epochs ${hStart}..${hEnd}`);
    await net.hub.waitForHeight(Number(hStart) - 1, 30_000);
    // A window report cannot be in a chain block older than the window: reading the logs from here keeps the
    // read small (from the relayer's start it is every report of the warm-up too: 250,000 per chain at 1,000 topics).
    const startBlocks = await Promise.all(views.map((v) => retry(`${v.chain.name} head`, () => v.provider.getBlockNumber())));
    const cpuStart = groupCpuSeconds(relayer.child.pid);
    // Where the machine's CPU went in the window: the relayer, the Hardhat chains, and this process (the hub
    // devnet with its synthesis threads, and the bench's block clock). They share the machine's cores.
    const chainsPid = net.supervisor.get("chains")?.pid;
    const otherCpu = () => ({ chains: chainsPid ? groupCpuSeconds(chainsPid) : NaN, hub: process.cpuUsage() });
    const otherStart = otherCpu();
    const windowStartedAt = Date.now();
    await net.hub.waitForHeight(Number(hEnd), epochs * 5000 + 60_000);
    // The window on each chain: the blocks from here back to the heads at the window's start.
    const endBlocks = await Promise.all(views.map((v) => retry(`${v.chain.name} head`, () => v.provider.getBlockNumber())));
    console.log(`  hub reached ${hEnd}; waiting for the chains to store it`);
    // a relayer behind the hub gets time to finish the window (its CPU per epoch counts the whole window)
    const caughtUp = await allAtLeast(hEnd, Math.max(60_000, epochs * 6_000));
    // The relayer works on every hub block made until here (also those after the window, while the bench
    // reads the chains back): its CPU is divided by the hub blocks, and the topic epochs, made meanwhile.
    const relayerCpuMs = (groupCpuSeconds(relayer.child.pid) - cpuStart) * 1000;
    const hCpuEnd = BigInt(Math.max(Number(hEnd), net.hub.height()));
    const cpuBlocks = Number(hCpuEnd - hStart + 1n);
    const cpuMsPerEpoch = Math.round(relayerCpuMs / cpuBlocks);
    const topicEpochsInWindow = closingIn(hStart, hEnd);
    const topicEpochsInCpuWindow = closingIn(hStart, hCpuEnd);
    const otherEnd = otherCpu();
    const windowSeconds = (Date.now() - windowStartedAt) / 1000;
    const hubCpuSeconds = (otherEnd.hub.user - otherStart.hub.user + otherEnd.hub.system - otherStart.hub.system) / 1e6;
    const cpuShares = {
      window_seconds: Number(windowSeconds.toFixed(1)),
      cores: os.cpus().length,
      // CPU seconds per second of the window (1.0 = one core busy throughout)
      relayer: Number((relayerCpuMs / 1000 / windowSeconds).toFixed(2)),
      hub_devnet_and_bench: Number((hubCpuSeconds / windowSeconds).toFixed(2)),
      chains: Number(((otherEnd.chains - otherStart.chains) / windowSeconds).toFixed(2)),
      note: "CPU seconds per wall second over the window (from its first hub epoch until every chain stored the last, or the wait gave up): relayer = its process group; hub_devnet_and_bench = this process (the hub devnet, its synthesis worker threads and the bench's block clock); chains = the Hardhat chains' process",
    };
    await sleep(1500);
    // verifiable synthesis: the re-derivations' CPU time, from the relayer's own histogram (whole run)
    const verification = await verificationFigures(net.manifest.metrics, o.verify, topics);
    clearInterval(rssTimer);
    clock.stop();
    // Stop the relayer before reading the results back (it would keep the machine busy meanwhile).
    await relayer.child.stop(15_000);
    console.log(`  collecting results (relayer ${relayer.child.exitReason()})`);

    // Collect what happened on chain.
    let clockMisses = 0;
    const hubSeen = (h: bigint): number | undefined => clock.at(hubKey, Number(h));
    const latencies: number[] = [];
    const perChain: Record<string, unknown> = {};
    const txRates: number[] = [];
    const fullBatchGas: number[] = [];
    let allGas = 0n;
    let allUpdated = 0;
    // a full batch: maxBatchSize, or all the topics that close in one hub block when fewer
    const fullBatch = Math.min(closingMax, MAX_BATCH);
    const nearlyFull = Math.floor(0.9 * fullBatch);
    for (const [i, v] of views.entries()) {
      const act: OracleActivity = await retry(`${v.chain.name} oracle activity`, async () =>
        oracleActivity(
          retryingReads(v.provider),
          v.chain.contracts.oracle,
          startBlocks[i] + 1,
          endBlocks[i],
        ),
      );
      console.log(`  ${v.chain.name}: ${act.txs.length} oracle txs, ${act.events.length} report events read`);
      const chainLat: number[] = [];
      for (const e of act.events) {
        if (e.kind !== "updated") continue;
        const seen = clock.at(v.chain.name, e.blockNumber);
        const hubAt = hubSeen(e.nonce);
        if (seen === undefined || hubAt === undefined) {
          clockMisses++;
          continue;
        }
        const lat = seen - hubAt;
        chainLat.push(lat);
        latencies.push(lat);
      }
      const windowTxs = act.txs;
      for (const tx of windowTxs) {
        allGas += tx.gasUsed;
        allUpdated += tx.updated;
        if (tx.updated >= nearlyFull) fullBatchGas.push(Number(tx.gasUsed) / tx.updated);
      }
      const rate = windowTxs.length / epochs;
      txRates.push(rate);
      chainLat.sort((a, b) => a - b);
      perChain[v.chain.name] = {
        txs: windowTxs.length,
        tx_per_epoch: Number(rate.toFixed(3)),
        reports_stored: windowTxs.reduce((a, t) => a + t.updated, 0),
        // topics x epochs when the relayer keeps up; fewer when it is behind and posts only each topic's newest
        reports_stored_per_epoch: Math.round(windowTxs.reduce((a, t) => a + t.updated, 0) / epochs),
        reports_skipped: windowTxs.reduce((a, t) => a + t.skipped, 0),
        latency_ms: { p50: percentile(chainLat, 50), p99: percentile(chainLat, 99), n: chainLat.length },
        mean_gas_per_tx: windowTxs.length
          ? Math.round(Number(windowTxs.reduce((a, t) => a + t.gasUsed, 0n)) / windowTxs.length)
          : null,
      };
    }
    latencies.sort((a, b) => a - b);
    const relayerReported = relayer.log.lines
      .filter((l) => l.msg === "batch posted" && typeof l.latencyMs === "number")
      .map((l) => l.latencyMs as number)
      .sort((a, b) => a - b);
    // Where a batch's time went, from the relayer's own "batch posted" lines (relayer/queue/worker.ts `stages`):
    // queued (hub block seen -> job added), pickup, attest, send, and the sender's turn / simulate / broadcast / inclusion.
    // Every batch of the run: a relayer far behind posts none for the window's hub heights while the bench waits.
    const postedBatches = relayer.log.lines.filter((l) => l.msg === "batch posted");
    const stageNames = ["queued", "pickup", "attest", "send", "turn", "simulate", "broadcast", "inclusion"];
    const batchStages = Object.fromEntries(
      stageNames.map((name) => {
        const xs = postedBatches
          .map((l) => (l.stages as Record<string, unknown> | undefined)?.[name])
          .filter((x): x is number => typeof x === "number")
          .sort((a, b) => a - b);
        return [name, { p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length }];
      }),
    );
    // the hub's pace over the window: intervals between first sightings of consecutive blocks
    const intervals: number[] = [];
    for (let h = hStart + 1n; h <= hEnd; h++) {
      const [a, b] = [hubSeen(h - 1n), hubSeen(h)];
      if (a !== undefined && b !== undefined) intervals.push(b - a);
    }
    intervals.sort((a, b) => a - b);
    const hubStats = net.hub.blockStats();
    const hubBlockMs = hubStats.map((s) => s.blockMs).sort((a, b) => a - b);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
    // the figures: 250 MB at 100 topics, 300 MB at 1,000
    const rssTarget = topics > 100 ? 300 : 250;
    const result = {
      topics,
      chains: views.map((v) => v.chain.name),
      latency_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      tx_per_epoch_per_chain: Number(mean(txRates).toFixed(3)),
      gas_per_topic_update: fullBatchGas.length ? Math.round(mean(fullBatchGas)) : null,
      rss_mb: Number(rssMax.toFixed(1)),
      relayer_cpu_ms_per_epoch: cpuMsPerEpoch,
      // per topic epoch that closed meanwhile (topics x hub blocks when every epoch is one block)
      relayer_cpu_ms_per_topic_per_epoch: Number((relayerCpuMs / topicEpochsInCpuWindow).toFixed(3)),
      verification: { ...verification, compared_with: comparison(o.compare, latencies, o.verify) },
      targets: {
        latency_ms: { p50: 1500, p99: 3000 },
        tx_per_epoch_per_chain: txPerEpoch,
        gas_per_topic_update: 8000,
        rss_mb: rssTarget,
      },
      definitions: {
        latency_ms:
          "per report stored in a window block (chain blocks mined while the hub made the window's epochs): time the chain " +
          "block was first seen minus the time hub block `nonce` was first seen (heads polled every 100 ms, block-clock.ts; one clock, the bench's)",
        tx_per_epoch_per_chain: "oracle txs in the window's chain blocks / window epochs; mean over chains",
        gas_per_topic_update: `gasUsed / reports stored, mean over txs that stored at least 90 % of a full batch (${nearlyFull} of ${fullBatch}: maxBatchSize, or the most topics closing in one hub block when fewer)`,
        rss_mb: "relayer process group RSS, max of samples every 500 ms from start to end",
        relayer_cpu_ms_per_epoch:
          "relayer process group CPU time (user + system) from the window's first hub block until every chain stored the window's last, / hub blocks made in that time",
        relayer_cpu_ms_per_topic_per_epoch: "the same CPU time / topic epochs that closed in those hub blocks",
      },
      detail: {
        window: {
          hub_epochs: epochs,
          topic_epochs: topicEpochsInWindow,
          cpu_window_hub_blocks: cpuBlocks,
          cpu_window_topic_epochs: topicEpochsInCpuWindow,
          from_height: Number(hStart),
          to_height: Number(hEnd),
          caught_up: caughtUp,
          warm_up_complete: warm,
        },
        samples: latencies.length,
        clock_misses: clockMisses,
        full_batch_txs: fullBatchGas.length,
        gas_per_topic_update_all_txs: allUpdated ? Math.round(Number(allGas) / allUpdated) : null,
        relayer_reported_latency_ms: {
          p50: percentile(relayerReported, 50),
          p99: percentile(relayerReported, 99),
          note: "the relayer's own `latencyMs` (hub block time of the newest report -> receipt seen), all batches",
        },
        relayer_batch_stages_ms: {
          ...batchStages,
          note: "the relayer's `stages` of every batch it posted in the run (relayer/queue/worker.ts), ms",
        },
        rss_mb_mean: Number(mean(rssSamples).toFixed(1)),
        cpu_cores_used_in_window: cpuShares,
        hub_block_production_ms: { p50: percentile(hubBlockMs, 50), max: hubBlockMs[hubBlockMs.length - 1] },
        hub_block_interval_ms: { p50: percentile(intervals, 50), max: intervals[intervals.length - 1], mean: Math.round(mean(intervals)) },
        per_chain: perChain,
        chain_block_time_ms: Number(o.chainBlockTime),
        relayer_max_in_flight: maxInFlight,
        relayer_max_batch_size: MAX_BATCH,
        hub_block_production_ms_over_1000: hubBlockMs.filter((ms) => ms > 1000).length,
        hub_topic_simulation: { ...TOPIC_SHAPE, note: "topics 1-2 keep the default config's participants" },
        epoch_length_blocks: epochLength,
        topics_closing_per_hub_block: { max: closingMax, mean: Number((topicEpochsInWindow / epochs).toFixed(1)) },
        hub_block_time_ms: 1000,
        machine: {
          cpus: os.cpus().length,
          loadavg_start: load0.map((x) => Number(x.toFixed(2))),
          loadavg_end: os.loadavg().map((x) => Number(x.toFixed(2))),
        },
        startup: net.timings,
        at: new Date().toISOString(),
      },
    };
    const out = path.resolve(REPO_ROOT, o.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    const ok = (v: number | null, target: number): string => (v !== null && v <= target ? "ok" : "MISSED");
    console.log("\nmetric                    value      target   ");
    console.log(
      `latency p50 (ms)          ${String(result.latency_ms.p50).padEnd(10)} <= 1500   ${ok(result.latency_ms.p50, 1500)}`,
    );
    console.log(
      `latency p99 (ms)          ${String(result.latency_ms.p99).padEnd(10)} <= 3000   ${ok(result.latency_ms.p99, 3000)}`,
    );
    console.log(
      `tx per epoch per chain    ${String(result.tx_per_epoch_per_chain).padEnd(10)} <= ${String(txPerEpoch).padEnd(6)} ${ok(result.tx_per_epoch_per_chain, txPerEpoch)}`,
    );
    console.log(
      `gas per topic update      ${String(result.gas_per_topic_update).padEnd(10)} <= 8000   ${ok(result.gas_per_topic_update, 8000)}`,
    );
    console.log(
      `relayer RSS max (MB)      ${String(result.rss_mb).padEnd(10)} <= ${String(rssTarget).padEnd(6)} ${ok(result.rss_mb, rssTarget)}`,
    );
    console.log(`relayer CPU per epoch (ms) ${cpuMsPerEpoch} (${result.relayer_cpu_ms_per_topic_per_epoch} per topic)`);
    console.log(`cores busy in the window    relayer ${cpuShares.relayer}, hub devnet + bench ${cpuShares.hub_devnet_and_bench}, chains ${cpuShares.chains} (of ${cpuShares.cores})`);
    console.log(`hub block interval (ms)   p50 ${percentile(intervals, 50)}, max ${intervals[intervals.length - 1]} (target 1000)`);
    console.log(`hub block production (ms) p50 ${result.detail.hub_block_production_ms.p50}, max ${result.detail.hub_block_production_ms.max}`);
    console.log(
      `\nwrote ${path.relative(REPO_ROOT, out)} (${latencies.length} latency samples; load average ${load0[0].toFixed(1)} -> ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`,
    );
    relayer.log.close();
    views.forEach((v) => v.provider.destroy());
    await cleanup();
    await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  } catch (err) {
    console.error(`bench:relay failed: ${(err as Error).stack ?? err}`);
    await cleanup();
    process.exit(1);
  }
  process.exit(0);
}

/** Sum and count of relayer_synthesis_check_cpu_seconds from the relayer's /metrics. */
async function verificationFigures(metricsUrl: string, mode: string, topics: number) {
  const text = await (await fetch(metricsUrl)).text();
  const read = (name: string): number => Number(text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))?.split(" ").pop() ?? 0);
  const sum = read("relayer_synthesis_check_cpu_seconds_sum");
  const count = read("relayer_synthesis_check_cpu_seconds_count");
  const perTopicMs = count ? (sum / count) * 1000 : null;
  return {
    mode,
    checks: count,
    cpu_ms_per_topic_per_epoch: perTopicMs === null ? null : Number(perTopicMs.toFixed(3)),
    cpu_ms_per_epoch_all_topics: perTopicMs === null ? null : Number((perTopicMs * topics).toFixed(1)),
    definition:
      "CPU time (process.cpuUsage, user + system) of one re-derivation of a bundle in the relayer (relayer/attest/synthesis-check.ts), " +
      "mean over every check of the run (one per topic and epoch); the hub queries it needs (3 + 2 x inferers + forecasters per topic and epoch) are I/O and not counted here, their cost shows in the latency",
  };
}

/** This run's latency next to the one of a run with another verify mode (when its result file is given). */
function comparison(file: string | undefined, latencies: number[], mode: string) {
  if (!file) return null;
  const other = JSON.parse(fs.readFileSync(path.resolve(REPO_ROOT, file), "utf8")) as { latency_ms: { p50: number; p99: number }; verification?: { mode?: string }; detail?: { at?: string } };
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    file,
    mode: other.verification?.mode ?? "off",
    at: other.detail?.at,
    latency_ms: other.latency_ms,
    this_run: { mode, latency_ms: { p50, p99 } },
    delta_ms: { p50: p50 - other.latency_ms.p50, p99: p99 - other.latency_ms.p99 },
  };
}

void main();
