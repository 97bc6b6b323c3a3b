/**
 * The local network's Chainlink-compatible feeds: one AlloraFeedAdapter per relayed topic on every chain,
 * deployed by the deploy stack from `oracle.feeds`. The devnet's topics come from its hub config, so the feeds
 * are computed here and handed to the deployer in DEVNET_FEEDS (a JSON list), which overrides the parameters'.
 */
import type { DeployParameters } from "../../deploy/parameters";
import { hubConfigWithTopics, type TopicShape } from "./hub";

export interface DevnetFeed {
  topic: number;
  decimals: 8 | 18;
  description: string;
}

/**
 * One feed per topic: 8 decimals (as Chainlink's USD feeds) for topics whose value is never negative (prices),
 * 18 for the others (log-returns are small numbers), whose description says that the value may be negative.
 */
export function devnetFeeds(topics: number, shape?: TopicShape): DevnetFeed[] {
  return hubConfigWithTopics(topics, 1000, shape).topics.map((t) => {
    const negative = t.allowNegative === true;
    return {
      topic: t.id,
      decimals: negative ? 18 : 8,
      description: `${t.metadata} (Allora topic ${t.id}${negative ? "; may be negative" : ""})`,
    };
  });
}

/** The parameters with the devnet's feeds when DEVNET_FEEDS is set (by the devnet's deployer), else unchanged. */
export function withDevnetFeeds(params: DeployParameters, env: NodeJS.ProcessEnv = process.env): DeployParameters {
  const raw = env.DEVNET_FEEDS;
  if (!raw || !params.oracle) return params;
  return { ...params, oracle: { ...params.oracle, feeds: JSON.parse(raw) as DevnetFeed[] } };
}
