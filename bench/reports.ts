/**
 * `npm run bench:reports [-- --topics 10 --seconds 60]`: pull mode's report latency on the local network.
 *
 * Starts the local network (hub devnet with T topics and 1 s blocks, three Hardhat chains, the contracts) on its
 * own ports, starts one relayer (which holds the devnet's attester keys), asks its report service once for every
 * topic on every chain (attesters sign what was asked for, from then on), then polls
 * `GET /v1/reports/latest?chain=<c>&topics=<all>` every --poll-ms per chain for --seconds. For each
 * (chain, topic, nonce) first served, latency = the wall-clock time it was first seen minus the hub block time
 * (header time, ms) of the block at height = nonce, the block carrying the inference. Both clocks are this
 * machine's (the hub runs in this process); the poll interval bounds the resolution. Writes
 * bench/results/reports.json: latency_ms {p50, p99, n} over all, per chain, and the run's parameters.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { percentile } from "./measure";
import { LocalNetwork, REPO_ROOT, startLocalNetwork } from "../scripts/devnet/network";
import { resolveOptions } from "../scripts/devnet/options";
import { hubBlockTimeMs } from "../scripts/lib/hub";
import { deleteRedisNamespace } from "../scripts/lib/redis";
import { AlloraReportClient } from "../packages/contracts/client";

const program = new Command()
  .name("npm run bench:reports --")
  .option("--topics <n>", "hub topics", "10")
  .option("--seconds <s>", "measured window", "60")
  .option("--poll-ms <ms>", "how often the service is asked, per chain", "100")
  .option("--out <file>", "result file", "bench/results/reports.json");

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ topics: string; seconds: string; pollMs: string; out: string }>();
  const topicCount = Number(o.topics);
  const topics = Array.from({ length: topicCount }, (_, i) => i + 1);
  const pollMs = Number(o.pollMs);
  const opts = resolveOptions({
    chainPorts: "21545,21546,21547",
    hubPort: "21657",
    metricsPort: "21464",
    stateDir: ".devnet/bench-reports",
    topics: String(topicCount),
    blockTime: "1000",
    hubBlockTime: "1000",
    relayer: false,
  });
  opts.relayerConfig = { logLevel: "info", dashboard: false };
  const load0 = os.loadavg();
  let stopNetwork: (() => Promise<void>) | undefined;
  let net: LocalNetwork | undefined;
  try {
    console.log(`bench:reports: ${topicCount} topics, 3 chains, hub blocks 1000 ms, polling every ${pollMs} ms for ${o.seconds} s`);
    net = await startLocalNetwork(opts, { log: (l) => console.log(`  ${l}`), onStopAvailable: (s) => (stopNetwork = s) });
    const relayer = net.startRelayer(1);
    await relayer.ready(120_000);
    const client = new AlloraReportClient({ baseUrl: `http://127.0.0.1:${relayer.httpPort}` });
    const chains = net.manifest.chains.map((c) => c.name);
    // Ask once for everything: the attesters sign these from now on (and the first answer is signed at once).
    for (const c of chains) await client.latestMany(c, topics).catch(() => undefined);
    await sleep(3_000); // the first (catch-up) answers are not measured

    const firstSeen = new Map<string, { chain: string; nonce: bigint; at: number }>();
    const baseline = new Set<string>();
    for (const c of chains) {
      const got = await client.latestMany(c, topics).catch(() => undefined);
      for (const r of got?.reports ?? []) baseline.add(`${c}:${r.topic_id}:${r.nonce}`);
    }
    const deadline = Date.now() + Number(o.seconds) * 1000;
    await Promise.all(
      chains.map(async (c) => {
        while (Date.now() < deadline) {
          const t0 = Date.now();
          const got = await client.latestMany(c, topics).catch(() => undefined);
          const at = Date.now();
          for (const r of got?.reports ?? []) {
            const key = `${c}:${r.topic_id}:${r.nonce}`;
            if (!baseline.has(key) && !firstSeen.has(key)) firstSeen.set(key, { chain: c, nonce: BigInt(r.nonce), at });
          }
          await sleep(Math.max(0, pollMs - (Date.now() - t0)));
        }
      }),
    );

    const blockTimes = new Map<bigint, number>();
    const latencies: number[] = [];
    const perChain: Record<string, number[]> = Object.fromEntries(chains.map((c) => [c, []]));
    for (const s of firstSeen.values()) {
      if (!blockTimes.has(s.nonce)) blockTimes.set(s.nonce, await hubBlockTimeMs(net.manifest.hub.rpc, s.nonce));
      const ms = s.at - blockTimes.get(s.nonce)!;
      latencies.push(ms);
      perChain[s.chain].push(ms);
    }
    latencies.sort((a, b) => a - b);
    for (const l of Object.values(perChain)) l.sort((a, b) => a - b);
    if (latencies.length === 0) throw new Error("no report was served during the window: see the relayer log in .devnet/bench-reports/logs");
    const result = {
      latency_ms: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length },
      per_chain: Object.fromEntries(Object.entries(perChain).map(([c, l]) => [c, { p50: percentile(l, 50), p99: percentile(l, 99), n: l.length }])),
      topics: topicCount,
      chains: chains.length,
      seconds: Number(o.seconds),
      poll_ms: pollMs,
      load_avg_start: load0.map((x) => Number(x.toFixed(2))),
      load_avg_end: os.loadavg().map((x) => Number(x.toFixed(2))),
      measured_at: new Date().toISOString(),
      definition: "wall-clock time a (chain, topic, nonce) report was first served by GET /v1/reports/latest minus the hub block time of height = nonce",
    };
    console.log(`\n${"".padEnd(10)}  ${"p50 ms".padStart(8)}  ${"p99 ms".padStart(8)}  ${"n".padStart(6)}`);
    console.log(`${"all".padEnd(10)}  ${String(result.latency_ms.p50).padStart(8)}  ${String(result.latency_ms.p99).padStart(8)}  ${String(result.latency_ms.n).padStart(6)}`);
    for (const [c, r] of Object.entries(result.per_chain)) console.log(`${c.padEnd(10)}  ${String(r.p50).padStart(8)}  ${String(r.p99).padStart(8)}  ${String(r.n).padStart(6)}`);
    const out = path.join(REPO_ROOT, o.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
    console.log(`wrote ${o.out}`);
  } finally {
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace).catch(() => 0);
  }
}

// Exit explicitly: idle keep-alive connections of the HTTP client would keep the process alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
