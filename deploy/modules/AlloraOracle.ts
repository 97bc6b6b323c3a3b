import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** One Chainlink-compatible feed adapter to deploy next to the oracle. */
export interface FeedAdapterSpec {
  /** The Allora topic the adapter serves. */
  topicId: number | bigint;
  /** The answer's decimals: 8 (as Chainlink's USD feeds; the 18-decimal value truncated) or 18. */
  decimals: 8 | 18;
  /** description(), e.g. "ETH / USD 5min (Allora topic 14)"; "(may be negative)" for such topics. */
  description: string;
}

/**
 * The AlloraOracle module, optionally with one AlloraFeedAdapter per topic in `feeds`. Ignition decides
 * the contracts of a module when it is built, so the adapters are an argument here, not a parameter;
 * the default export (used by deploy/stack.ts) deploys the oracle alone.
 *
 * Parameters (module id `AlloraOracle`):
 * - `admin` (address): DEFAULT_ADMIN_ROLE (unpause, fees, roles).
 * - `guardian` (address): GUARDIAN_ROLE (pause).
 * - `paymentToken` (address): ALLO (ERC-20 with ERC-2612 permit) that requests pay in.
 * - `attesterSetId` (uint64 >= 1), `signers` (addresses, strictly ascending), `threshold` (> half of them).
 * - `sequencerUptimeFeed` (address, default zero: off), `sequencerGracePeriod` (seconds, default 0): the strict
 *   read's L2 sequencer guard, fixed at deployment.
 */
export function buildAlloraOracleModule(feeds: readonly FeedAdapterSpec[] = []) {
  const seen = new Set<string>();
  for (const feed of feeds) {
    const key = BigInt(feed.topicId).toString();
    if (seen.has(key)) throw new Error(`feed adapters: topic ${key} is listed twice; list each topic once`);
    if (feed.decimals !== 8 && feed.decimals !== 18) {
      throw new Error(`feed adapters: topic ${key} asks for ${String(feed.decimals)} decimals; use 8 or 18`);
    }
    seen.add(key);
  }
  return buildModule("AlloraOracle", (m) => {
    const admin = m.getParameter<string>("admin");
    const guardian = m.getParameter<string>("guardian");
    const paymentToken = m.getParameter<string>("paymentToken");
    const attesterSetId = m.getParameter<number>("attesterSetId");
    const signers = m.getParameter<string[]>("signers");
    const threshold = m.getParameter<number>("threshold");
    const sequencerUptimeFeed = m.getParameter<string>("sequencerUptimeFeed", "0x0000000000000000000000000000000000000000");
    const sequencerGracePeriod = m.getParameter<number>("sequencerGracePeriod", 0);
    const oracle = m.contract("AlloraOracle", [
      admin,
      guardian,
      paymentToken,
      attesterSetId,
      signers,
      threshold,
      sequencerUptimeFeed,
      sequencerGracePeriod,
    ]);
    const adapters = Object.fromEntries(
      feeds.map((feed) => {
        const id = `AlloraFeedAdapter_topic${BigInt(feed.topicId)}`;
        return [
          id,
          m.contract("AlloraFeedAdapter", [oracle, BigInt(feed.topicId), feed.decimals, feed.description], { id }),
        ];
      }),
    );
    return { oracle, ...adapters };
  });
}

export default buildAlloraOracleModule();
