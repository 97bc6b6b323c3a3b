/**
 * The hub devnet of the local network, in this process (devnet/hub/node.ts), serving topics 1..N.
 * The topics copy the default config's first topic (devnet/hub.config.json) with their own id and
 * random-walk seed, so a bigger network is the same kind of topic, only more of them.
 */
import fs from "node:fs";
import { DEFAULT_CONFIG_PATH, HubConfigInput } from "../../devnet/hub/config";
import { HubDevnet, startHubDevnet } from "../../devnet/hub/node";

/** The devnet config with `topics` topics (ids 1..topics), based on the default config file. */
export interface TopicShape {
  inferers: number;
  forecasters: number;
  reputers: number;
  /**
   * Epoch length in blocks of the generated topics (default: the template's). Their epochs are spread
   * over the length as on the hub, where a topic's phase is its creation block: topic id i closes at the
   * heights h with h % length == i % length.
   */
  epochLength?: number;
}

/**
 * `shape` (optional) gives the generated topics (ids above the default config's) that many simulated
 * participants, e.g. a lighter synthesis for a benchmark of the relay with many topics.
 */
export function hubConfigWithTopics(topics: number, blockTimeMs: number, shape?: TopicShape): HubConfigInput {
  const base = JSON.parse(fs.readFileSync(DEFAULT_CONFIG_PATH, "utf8")) as HubConfigInput;
  const template = base.topics[0];
  return {
    ...base,
    blockTimeMs,
    topics: Array.from({ length: topics }, (_, i) => {
      const existing = base.topics.find((t) => t.id === i + 1);
      if (existing) return existing;
      const start = 100 + 10 * i;
      const { epochLength, ...participants } = shape ?? {};
      return {
        ...template,
        id: i + 1,
        metadata: `devnet topic ${i + 1}`,
        groundTruth: { kind: "random-walk" as const, start, volatility: 1, seed: 1000 + i },
        ...participants,
        ...(epochLength ? { epochLength, epochOffset: (i + 1) % epochLength } : {}),
      };
    }),
  };
}

export async function startHub(
  port: number,
  topics: number,
  blockTimeMs: number,
  shape?: TopicShape,
): Promise<HubDevnet> {
  return startHubDevnet({
    port,
    config: hubConfigWithTopics(topics, blockTimeMs, shape),
    blockTimeMs,
    quiet: true,
  });
}
