/**
 * Pulling network inferences out of a block's finalize_block events (pure). Each
 * `emissions.v9.EventNetworkInferences` (or `emissions.v10.*`, same fields: a hub emits its events under the
 * package it runs) becomes one HubInference; an event that does not parse, or whose
 * value is malformed, becomes a MalformedInference naming its topic so the caller can log and skip it.
 */
import { EventNetworkInferences, EventNetworkInferencesV10, fromTypedEvent, typedEventType } from "../../lib/allora-proto";
import { decToInt256, MalformedValueError } from "../convert/dec";

export const NETWORK_INFERENCES_EVENT = typedEventType(EventNetworkInferences as never);
/** the event types read, with their codecs (v9 and v10 carry the same fields) */
const EVENT_CODECS = new Map([
  [NETWORK_INFERENCES_EVENT, EventNetworkInferences],
  [typedEventType(EventNetworkInferencesV10 as never), EventNetworkInferencesV10],
]);

/** One feed's network inference at one epoch nonce, ready for EVM (18-decimal fixed point). */
export interface HubInference {
  /** the oracle feed id: the hub topic id, or for a label of a multi-label topic the label's feed id */
  topicId: number;
  nonce: bigint;
  /** the hub Dec string as served */
  raw: string;
  value: bigint;
  /** hub block time of the block that carried it, Unix seconds */
  timestamp: number;
  /** a label of a multi-label topic: the hub topic it comes from (topicId is then the label's feed id) */
  hubTopicId?: number;
  label?: string;
}

export interface MalformedInference {
  topicId: number | undefined;
  nonce: bigint | undefined;
  raw: string;
  error: string;
}

export interface ExtractedInferences {
  inferences: HubInference[];
  malformed: MalformedInference[];
}

interface AbciEventLike {
  readonly type: string;
  readonly attributes: readonly { readonly key: string; readonly value: string | Uint8Array }[];
}

/** The inferences of `topics` in one block's events; `timestamp` is the block time in Unix seconds. */
export function extractInferences(
  events: readonly AbciEventLike[],
  topics: ReadonlySet<number>,
  timestamp: number,
): ExtractedInferences {
  const out: ExtractedInferences = { inferences: [], malformed: [] };
  for (const ev of events) {
    const codec = EVENT_CODECS.get(ev.type);
    if (!codec) continue;
    let parsed: EventNetworkInferences;
    try {
      parsed = fromTypedEvent(codec, ev);
    } catch (e) {
      const topicAttr = ev.attributes.find((a) => a.key === "topic_id");
      const topicId = topicAttr ? Number(String(topicAttr.value).replace(/"/g, "")) : undefined;
      if (topicId !== undefined && Number.isFinite(topicId) && !topics.has(topicId)) continue;
      out.malformed.push({ topicId, nonce: undefined, raw: "", error: (e as Error).message });
      continue;
    }
    const topicId = Number(parsed.topicId);
    if (!topics.has(topicId)) continue;
    const raw = parsed.bundle?.combinedValue ?? parsed.valueBundle?.combinedValue ?? "";
    const nonce = parsed.nonce !== 0n ? parsed.nonce : parsed.blockHeight;
    if (nonce <= 0n) {
      out.malformed.push({ topicId, nonce, raw, error: `topic ${topicId}: event carries no nonce` });
      continue;
    }
    try {
      out.inferences.push({ topicId, nonce, raw, value: decToInt256(raw, topicId), timestamp });
    } catch (e) {
      if (!(e instanceof MalformedValueError)) throw e;
      out.malformed.push({ topicId, nonce, raw, error: e.message });
    }
  }
  return out;
}
