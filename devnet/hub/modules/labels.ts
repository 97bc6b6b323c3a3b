/**
 * Multi-label topics (emissions.v10): each label of a topic is simulated as its own lane (its own ground
 * truth, the topic's participants), and the lanes' per-label ValueBundles are merged into one labelled
 * NetworkInferenceBundle. Pure functions; the emissions module does the I/O.
 */
import { ValueBundle } from "../../../lib/allora-proto";
import { TopicConfig } from "../config";
import {
  LabeledValue,
  NetworkInferenceBundle,
  OneInForecasterValue,
  OneOutForecasterValue,
  OneOutInfererForecasterValue,
  OneOutInfererValue,
  WorkerInference,
} from "../../../lib/allora-proto";
import { participantAddress } from "../simulation/participants";

export interface TopicLabel {
  id: number;
  name: string;
}

/**
 * The label of a topic configured without `labels`. A devnet choice: the chain code read (see README)
 * did not show which label id/name a single-output topic's values carry.
 */
export const DEFAULT_LABEL: TopicLabel = { id: 0, name: "value" };

/** The labels of a topic, in order; label ids default to the label's index. */
export function topicLabels(t: TopicConfig): TopicLabel[] {
  if (!t.labels || t.labels.length === 0) return [DEFAULT_LABEL];
  return t.labels.map((l, i) => ({ id: l.id ?? i, name: l.name }));
}

/**
 * The simulation configs of a topic's labels. Label 0 is simulated under the topic's own id (so a
 * single-label topic is unchanged); label k >= 1 under `laneIds[k - 1]`, with the label's ground truth
 * (default: the topic's, with a different seed). The participants are the topic's.
 */
export function laneConfigs(t: TopicConfig, laneIds: number[]): TopicConfig[] {
  const labels = t.labels ?? [];
  const baseSeed = t.groundTruth.seed ?? t.id * 7919 + 17;
  const withTruth = (cfg: TopicConfig, k: number, id: number): TopicConfig => ({
    ...cfg,
    id,
    groundTruth: {
      ...t.groundTruth,
      ...(labels[k]?.groundTruth ?? {}),
      seed: labels[k]?.groundTruth?.seed ?? (k === 0 ? t.groundTruth.seed : baseSeed + 1000 * k),
    },
  });
  const lanes = [withTruth(t, 0, t.id)];
  for (let k = 1; k < labels.length; k++) lanes.push(withTruth(t, k, laneIds[k - 1]));
  return lanes;
}

/** Maps the participant addresses a lane simulation generates onto the topic's own participants. */
export function laneAddressMap(prefix: string, chainId: string, t: TopicConfig, laneId: number): Map<string, string> {
  const count = (p: number | unknown[]) => (typeof p === "number" ? p : p.length);
  const m = new Map<string, string>();
  const roles: [string, number][] = [
    ["inferer", count(t.inferers)],
    ["forecaster", count(t.forecasters)],
    ["reputer", count(t.reputers)],
  ];
  for (const [role, n] of roles) {
    for (let i = 0; i < n; i++) {
      m.set(participantAddress(prefix, chainId, laneId, role, i), participantAddress(prefix, chainId, t.id, role, i));
    }
  }
  return m;
}

/** A lane's bundle with its participant addresses replaced by the topic's. */
export function renameWorkers(b: ValueBundle, map: Map<string, string>): ValueBundle {
  const n = (a: string) => map.get(a) ?? a;
  const wv = <T extends { worker: string }>(xs: T[]) => xs.map((x) => ({ ...x, worker: n(x.worker) }));
  return {
    ...b,
    reputer: n(b.reputer),
    infererValues: wv(b.infererValues),
    forecasterValues: wv(b.forecasterValues),
    oneOutInfererValues: wv(b.oneOutInfererValues),
    oneOutForecasterValues: wv(b.oneOutForecasterValues),
    oneInForecasterValues: wv(b.oneInForecasterValues),
    oneOutInfererForecasterValues: b.oneOutInfererForecasterValues.map((o) => ({
      forecaster: n(o.forecaster),
      oneOutInfererValues: wv(o.oneOutInfererValues),
    })),
  };
}

/** Groups (key, label, value) triples by key, keeping first-seen key order and label order. */
function groupByKey<K>(
  labels: TopicLabel[],
  perLabel: { key: K; value: string }[][],
  keyOf: (k: K) => string,
): { key: K; values: LabeledValue[] }[] {
  const out = new Map<string, { key: K; values: LabeledValue[] }>();
  perLabel.forEach((items, li) => {
    for (const it of items) {
      const s = keyOf(it.key);
      let g = out.get(s);
      if (!g) out.set(s, (g = { key: it.key, values: [] }));
      g.values.push({ labelId: BigInt(labels[li].id), labelName: labels[li].name, value: it.value });
    }
  });
  return [...out.values()];
}

/**
 * Merges one ValueBundle per label (same order as `labels`) into the v10 NetworkInferenceBundle of
 * the epoch `nonce`: every value becomes a list with one LabeledValue per label.
 */
export function toNetworkInferenceBundle(
  topicId: bigint,
  nonce: bigint,
  labels: TopicLabel[],
  perLabel: ValueBundle[],
): NetworkInferenceBundle {
  if (labels.length !== perLabel.length) {
    throw new Error(`topic ${topicId}: ${perLabel.length} label bundles for ${labels.length} labels`);
  }
  const lv = (pick: (b: ValueBundle) => string): LabeledValue[] =>
    perLabel.map((b, i) => ({ labelId: BigInt(labels[i].id), labelName: labels[i].name, value: pick(b) }));
  const byWorker = (pick: (b: ValueBundle) => { worker: string; value: string }[]) =>
    groupByKey(
      labels,
      perLabel.map((b) => pick(b).map((x) => ({ key: x.worker, value: x.value }))),
      (k) => k,
    );
  const workers = (pick: (b: ValueBundle) => { worker: string; value: string }[]): WorkerInference[] =>
    byWorker(pick).map((g) => ({ worker: g.key, values: g.values }));
  const oneOutInfForecaster = groupByKey(
    labels,
    perLabel.map((b) =>
      b.oneOutInfererForecasterValues.flatMap((o) =>
        o.oneOutInfererValues.map((x) => ({ key: { forecaster: o.forecaster, inferer: x.worker }, value: x.value })),
      ),
    ),
    (k) => `${k.forecaster}\u0000${k.inferer}`,
  );
  return {
    topicId,
    blockHeight: nonce,
    combinedValue: lv((b) => b.combinedValue),
    infererValues: workers((b) => b.infererValues),
    forecasterValues: workers((b) => b.forecasterValues),
    naiveValue: lv((b) => b.naiveValue),
    oneOutInfererValues: byWorker((b) => b.oneOutInfererValues).map(
      (g): OneOutInfererValue => ({ withheldInferer: g.key, combinedInference: g.values }),
    ),
    oneOutForecasterValues: byWorker((b) => b.oneOutForecasterValues).map(
      (g): OneOutForecasterValue => ({ withheldForecaster: g.key, combinedInference: g.values }),
    ),
    oneInForecasterValues: byWorker((b) => b.oneInForecasterValues).map(
      (g): OneInForecasterValue => ({ forecaster: g.key, combinedInference: g.values }),
    ),
    oneOutInfererForecasterValues: oneOutInfForecaster.map(
      (g): OneOutInfererForecasterValue => ({
        forecaster: g.key.forecaster,
        withheldInferer: g.key.inferer,
        combinedInference: g.values,
      }),
    ),
  };
}
