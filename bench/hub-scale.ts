/**
 * `npm run bench:hub [-- <topics> <blocks>]`: the hub devnet's per-block time with many topics (default 100
 * topics, epoch length 1, 3 inferers + 2 forecasters + 2 reputers each, 1 s blocks), over `blocks` blocks
 * (default 10) after the first (which includes the workers' warm-up). Writes bench/results/hub-scale.json (100 topics)
 * or hub-scale-<topics>.json, with the hub process's CPU time per block (main thread and workers).
 *
 * This figure was an assertion in test/devnet/hub-scale.test.ts (average under 500 ms); it depends on the
 * machine's load, so it is measured here and the test checks the behaviour (every block closes every epoch).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { measureBlocks } from "../devnet/hub/bench-scale";
import { percentile } from "./measure";

async function main(): Promise<void> {
  const topics = Number(process.argv[2] ?? 100);
  const blocks = Number(process.argv[3] ?? 10);
  if (!Number.isInteger(topics) || topics < 1 || !Number.isInteger(blocks) || blocks < 1) {
    throw new Error(`usage: npm run bench:hub -- [topics >= 1] [blocks >= 1]; got ${process.argv.slice(2).join(" ")}`);
  }
  const { stats, cpuMsPerBlock } = await measureBlocks(topics, blocks);
  const blockMs = stats.map((s) => s.blockMs).sort((a, b) => a - b);
  const computeMs = stats.map((s) => s.computeMs).sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const round = (x: number) => Number(x.toFixed(1));
  const result = {
    topics,
    blocks: stats.length,
    block_interval_ms: 1000,
    block_ms: { mean: round(mean(blockMs)), p50: round(percentile(blockMs, 50)), max: round(blockMs[blockMs.length - 1]) },
    synthesis_compute_ms: { mean: round(mean(computeMs)), max: round(computeMs[computeMs.length - 1]) },
    cpu_ms_per_block: round(cpuMsPerBlock),
    targets: { block_ms: { mean: 500 } },
    definitions: {
      block_ms: "wall time to produce one block (every topic's epoch closed and synthesised), blocks 2..blocks+1",
      synthesis_compute_ms: "the workers' synthesis time per block, summed over workers (wall time: grows with the machine's load)",
      cpu_ms_per_block:
        "CPU time (user + system) of the hub process, main thread and synthesis workers, from block 1 to the last measured block, per block",
    },
    machine: { cpus: os.availableParallelism(), load_avg_1m: round(os.loadavg()[0]), node: process.version },
    measured_at: new Date().toISOString(),
  };
  // the default run is hub-scale.json; other topic counts get their own file
  const out = path.join(__dirname, "results", topics === 100 ? "hub-scale.json" : `hub-scale-${topics}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`${topics} topics, ${stats.length} blocks: per-block mean ${result.block_ms.mean} ms (max ${result.block_ms.max}), CPU ${result.cpu_ms_per_block} ms per block; wrote ${out}`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
