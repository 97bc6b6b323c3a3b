/**
 * Which hub value goes to which oracle feed (pure). A single-value hub topic is relayed under its own id; a
 * multi-label topic (emissions.v10) is relayed as one feed per configured label, under the feed id the
 * config gives (hub.topics: `{ id, labels: { <name>: <feed id> } }`). Oracle feed ids are what the oracle
 * contracts key by (uint64 topic id in the report), so multi-label topics need no contract change.
 */
import type { LabelledTopic } from "../config/schema";
import { decToInt256, MalformedValueError } from "../convert/dec";
import type { LabelValues, NetworkBundle } from "./bundle";
import type { ExtractedInferences } from "./events";

/** Where the relayed feeds come from on the hub. */
export interface FeedMap {
  /** hub topics relayed whole (feed id = hub topic id) */
  plain: readonly number[];
  labelled: readonly LabelledTopic[];
}

/** Where one feed's value comes from: a hub topic, and the label for a multi-label one. */
export interface FeedSource {
  topic: number;
  label?: string;
}

/** The feed map of a loaded config: `topics` are the feed ids, `labelled` the multi-label sources. */
export function feedMap(topics: readonly number[], labelled: readonly LabelledTopic[] = []): FeedMap {
  const labelFeeds = new Set(labelled.flatMap((l) => l.labels.map((x) => x.feed)));
  return { plain: topics.filter((t) => !labelFeeds.has(t)), labelled };
}

/** The hub topic ids to follow (events, sweeps). */
export function hubTopicsOf(map: FeedMap): number[] {
  return [...map.plain, ...map.labelled.map((l) => l.topic)];
}

/** The hub source of an oracle feed id, undefined when the relayer does not serve that feed. */
export function sourceOf(map: FeedMap, feed: number): FeedSource | undefined {
  for (const l of map.labelled) {
    const hit = l.labels.find((x) => x.feed === feed);
    if (hit) return { topic: l.topic, label: hit.name };
  }
  return map.plain.includes(feed) ? { topic: feed } : undefined;
}

/** The configured labels of a hub topic, undefined for a plain (single-value) topic. */
export function labelsOf(map: FeedMap, topic: number): LabelledTopic["labels"] | undefined {
  return map.labelled.find((l) => l.topic === topic)?.labels;
}

const names = (b: NetworkBundle) => b.labels.map((l) => JSON.stringify(l.labelName)).join(", ");

/**
 * The one label of a bundle a feed reads, or why there is none: a plain topic must have exactly one value
 * (a multi-label topic relayed plainly would silently publish only its first label), a labelled feed the
 * label it names.
 */
export function labelFor(bundle: NetworkBundle, source: FeedSource): LabelValues | string {
  const where = `hub topic ${source.topic} at nonce ${bundle.nonce}`;
  if (source.label === undefined) {
    if (bundle.labels.length === 1) return bundle.labels[0];
    if (bundle.labels.length === 0) return `${where}: the bundle carries no combined value`;
    return `${where} has ${bundle.labels.length} labels (${names(bundle)}); relay it as { id: ${source.topic}, labels: { <label>: <oracle feed id>, ... } } in hub.topics`;
  }
  const hit = bundle.labels.find((l) => l.labelName === source.label);
  if (hit) return hit;
  return `${where} has no label "${source.label}" (labels: ${names(bundle) || "none"}); fix the label names of hub topic ${source.topic} in hub.topics`;
}

/**
 * A hub topic's bundle as the feeds it feeds: one inference for a plain topic, one per configured label for a
 * multi-label topic (`topicId` = the label's feed id). Missing labels and malformed values are reported,
 * not thrown, so one bad label does not hold back the others.
 */
export function feedInferences(bundle: NetworkBundle, map: FeedMap, timestamp: number): ExtractedInferences {
  const out: ExtractedInferences = { inferences: [], malformed: [] };
  const topic = Number(bundle.topicId);
  const labels = labelsOf(map, topic);
  const feeds: { feed: number; source: FeedSource }[] = labels
    ? labels.map((l) => ({ feed: l.feed, source: { topic, label: l.name } }))
    : [{ feed: topic, source: { topic } }];
  for (const { feed, source } of feeds) {
    const picked = labelFor(bundle, source);
    if (typeof picked === "string") {
      out.malformed.push({ topicId: feed, nonce: bundle.nonce, raw: "", error: picked });
      continue;
    }
    const raw = picked.combinedValue;
    try {
      out.inferences.push({
        topicId: feed,
        nonce: bundle.nonce,
        raw,
        value: decToInt256(raw, feed),
        timestamp,
        ...(source.label !== undefined ? { hubTopicId: topic, label: source.label } : {}),
      });
    } catch (e) {
      if (!(e instanceof MalformedValueError)) throw e;
      out.malformed.push({ topicId: feed, nonce: bundle.nonce, raw, error: source.label !== undefined ? `label "${source.label}" of hub topic ${topic}: ${e.message}` : e.message });
    }
  }
  return out;
}
