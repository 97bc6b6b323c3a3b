/** `allo feeds`: per topic and chain, the AlloraOracle and the Chainlink-style feed adapter to read. */
import type { Network } from "../network";
import { table } from "../terminal";

export interface FeedRow {
  topic: number;
  chain: string;
  oracle: string;
  feedAdapter?: string;
}

export function feedRows(net: Network): FeedRow[] {
  const topics = new Set<number>(net.topics);
  for (const c of net.chains) for (const t of Object.keys(c.feeds)) topics.add(Number(t));
  const rows: FeedRow[] = [];
  for (const topic of [...topics].sort((a, b) => a - b)) {
    for (const c of net.chains) {
      if (!c.oracle) continue;
      rows.push({ topic, chain: c.name, oracle: c.oracle, ...(c.feeds[topic] ? { feedAdapter: c.feeds[topic] } : {}) });
    }
  }
  return rows;
}

export function feedsCommand(net: Network, o: { json?: boolean }): void {
  const rows = feedRows(net);
  if (o.json) {
    for (const r of rows) process.stdout.write(JSON.stringify(r) + "\n");
    return;
  }
  process.stdout.write(
    table(["topic", "chain", "oracle (getInference(topic))", "feed adapter (latestRoundData)"], rows.map((r) => [String(r.topic), r.chain, r.oracle, r.feedAdapter ?? "none deployed"])) + "\n",
  );
}
