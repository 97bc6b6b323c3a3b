/**
 * Measures the hub devnet's per-block time with many topics (default 100 topics, epoch length 1,
 * 3 inferers + 2 forecasters + 2 reputers each, 1 s blocks).
 *
 *   npx ts-node --transpile-only devnet/hub/bench-scale.ts [topics] [blocks] [all|none]
 */
import { HubConfigInput } from "./config";
import { BlockStats, startHubDevnet } from "./node";

export function manyTopicsConfig(
  n: number,
  variants: "all" | "none" = "none",
  workers = { inferers: 3, forecasters: 2, reputers: 2 },
): HubConfigInput {
  return {
    synthesisVariants: variants,
    blockRetention: 600,
    bundleHistory: 1000,
    topics: Array.from({ length: n }, (_, i) => ({ id: i + 1, epochLength: 1, ...workers })),
  };
}

export interface BlockMeasurement {
  /** the measured blocks (2..blocks+1: block 1 includes the workers' warm-up) */
  stats: BlockStats[];
  /** CPU time (user + system) of the whole process, main thread and synthesis workers, per measured block */
  cpuMsPerBlock: number;
}

export async function measureBlocks(
  topics: number,
  blocks: number,
  variants: "all" | "none" = "none",
  blockTimeMs = 1000,
): Promise<BlockMeasurement> {
  const node = await startHubDevnet({ port: 0, quiet: true, blockTimeMs, config: manyTopicsConfig(topics, variants) });
  try {
    await node.waitForHeight(1, (blocks + 5) * blockTimeMs * 3);
    const cpu0 = process.cpuUsage(); // process-wide: the worker threads' CPU is in it
    await node.waitForHeight(blocks + 1, (blocks + 5) * blockTimeMs * 3);
    const cpu = process.cpuUsage(cpu0);
    return { stats: node.blockStats().slice(1, blocks + 1), cpuMsPerBlock: (cpu.user + cpu.system) / 1000 / blocks };
  } finally {
    await node.stop();
  }
}

if (require.main === module) {
  const topics = Number(process.argv[2] ?? 100);
  const blocks = Number(process.argv[3] ?? 10);
  const variants = process.argv[4] === "all" ? "all" : "none";
  void measureBlocks(topics, blocks, variants).then(({ stats }) => {
    const ms = stats.map((s) => s.blockMs);
    const avg = ms.reduce((a, b) => a + b, 0) / ms.length;
    process.stdout.write(
      `${topics} topics (variants ${variants}), ${stats.length} blocks: per-block avg ${avg.toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms, ` +
        `worker compute per epoch of all topics avg ${(stats.reduce((a, s) => a + s.computeMs, 0) / stats.length).toFixed(1)} ms\n`,
    );
  });
}
