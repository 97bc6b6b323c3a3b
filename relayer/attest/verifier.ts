/**
 * What an attester checks before signing a job found in Redis (which is untrusted): every report's value
 * and timestamp must be what the hub says for that (topic, nonce). Inferences this instance saw itself
 * are answered from memory; others are asked of the hub (GetNetworkInferencesAtBlock + block time).
 */
import { decToInt256 } from "../convert/dec";
import { JobReport } from "../queue/jobs";
import { trimOldest } from "./bounded";

export interface HubLookup {
  /** the hub's combined value (Dec string) for a topic at an epoch nonce, or undefined if none */
  valueAt(topicId: number, nonce: bigint): Promise<string | undefined>;
  blockTime(height: number): Promise<number>;
}

const MEMORY = 20_000;

export class InferenceVerifier {
  private readonly known = new Map<string, { value: bigint; timestamp: number }>();

  constructor(private readonly hub: HubLookup) {}

  /** Records an inference this instance read from the hub itself. */
  remember(topicId: number, nonce: bigint, value: bigint, timestamp: number): void {
    this.known.set(`${topicId}:${nonce}`, { value, timestamp });
    trimOldest(this.known, MEMORY);
  }

  /** Undefined when every report matches the hub; otherwise why not. */
  async check(reports: readonly JobReport[]): Promise<string | undefined> {
    for (const r of reports) {
      const key = `${r.topicId}:${r.nonce}`;
      let truth = this.known.get(key);
      if (!truth) {
        const raw = await this.hub.valueAt(r.topicId, BigInt(r.nonce));
        if (raw === undefined) return `topic ${r.topicId}: the hub has no inference at nonce ${r.nonce}`;
        truth = { value: decToInt256(raw, r.topicId), timestamp: await this.hub.blockTime(Number(r.nonce)) };
        this.remember(r.topicId, BigInt(r.nonce), truth.value, truth.timestamp);
      }
      if (truth.value.toString() !== r.value) return `topic ${r.topicId} nonce ${r.nonce}: value ${r.value} differs from the hub's ${truth.value}`;
      if (truth.timestamp !== r.timestamp) return `topic ${r.topicId} nonce ${r.nonce}: timestamp ${r.timestamp} differs from the hub's ${truth.timestamp}`;
    }
    return undefined;
  }
}
