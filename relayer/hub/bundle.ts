/**
 * One internal shape for a topic's network inference, whichever emissions version the hub answers (pure).
 *
 * emissions.v9 serves a `ValueBundle` (v3 message) with one value per field; emissions.v10 serves a
 * `NetworkInferenceBundle` where every value is a list of `LabeledValue`s (multi-label topics). Both become a
 * `NetworkBundle`: a list of labels, each carrying the v3 fields for that label alone, so the rest of the
 * relayer (feed mapping, verification) reads one shape. A v9 bundle is one unnamed label (id 0, name "").
 */
import type {
  LabeledValue,
  NetworkInferenceBundle,
  OneOutInfererForecasterValues,
  ValueBundle,
  WithheldWorkerAttributedValue,
  WorkerAttributedValue,
} from "../../lib/allora-proto";

export type EmissionsVersion = "v10" | "v9";

/** One label's values (a single-output topic has exactly one label). Decimals are hub Dec strings. */
export interface LabelValues {
  labelId: number;
  /** "" for a v9 bundle (no labels on the wire) */
  labelName: string;
  combinedValue: string;
  naiveValue: string;
  infererValues: WorkerAttributedValue[];
  /** forecast-implied inferences */
  forecasterValues: WorkerAttributedValue[];
  oneOutInfererValues: WithheldWorkerAttributedValue[];
  oneOutForecasterValues: WithheldWorkerAttributedValue[];
  oneInForecasterValues: WorkerAttributedValue[];
  oneOutInfererForecasterValues: OneOutInfererForecasterValues[];
}

/** A topic's network inference at one epoch nonce, version-neutral. */
export interface NetworkBundle {
  version: EmissionsVersion;
  topicId: bigint;
  nonce: bigint;
  labels: LabelValues[];
}

/** A v9 ValueBundle as a one-label NetworkBundle; `nonce` is the height the query named or answered. */
export function fromV9Bundle(b: ValueBundle, nonce: bigint): NetworkBundle {
  return {
    version: "v9",
    topicId: b.topicId,
    nonce,
    labels: [
      {
        labelId: 0,
        labelName: "",
        combinedValue: b.combinedValue,
        naiveValue: b.naiveValue,
        infererValues: b.infererValues,
        forecasterValues: b.forecasterValues,
        oneOutInfererValues: b.oneOutInfererValues,
        oneOutForecasterValues: b.oneOutForecasterValues,
        oneInForecasterValues: b.oneInForecasterValues,
        oneOutInfererForecasterValues: b.oneOutInfererForecasterValues,
      },
    ],
  };
}

/**
 * A v10 NetworkInferenceBundle split per label. The labels (and their order) are those of
 * `combined_value`; every other list contributes its entry for the same `label_id` (absent: left out,
 * or "" for the naive value). `nonce` falls back to the bundle's `block_height`.
 */
export function fromV10Bundle(b: NetworkInferenceBundle, nonce?: bigint): NetworkBundle {
  const pick = (values: readonly LabeledValue[], id: bigint) => values.find((v) => v.labelId === id)?.value;
  const perWorker = (items: readonly { worker: string; values: LabeledValue[] }[], id: bigint): WorkerAttributedValue[] =>
    items.flatMap((w) => {
      const value = pick(w.values, id);
      return value === undefined ? [] : [{ worker: w.worker, value }];
    });
  const withheld = <T>(items: readonly T[], who: (t: T) => string, values: (t: T) => LabeledValue[], id: bigint) =>
    items.flatMap((x) => {
      const value = pick(values(x), id);
      return value === undefined ? [] : [{ worker: who(x), value }];
    });
  const labels: LabelValues[] = b.combinedValue.map((c) => {
    const id = c.labelId;
    // I_i^{-j} from forecaster k: regrouped by forecaster, as the v3 message nests them.
    const byForecaster = new Map<string, WithheldWorkerAttributedValue[]>();
    for (const o of b.oneOutInfererForecasterValues) {
      const value = pick(o.combinedInference, id);
      if (value === undefined) continue;
      const list = byForecaster.get(o.forecaster) ?? [];
      list.push({ worker: o.withheldInferer, value });
      byForecaster.set(o.forecaster, list);
    }
    return {
      labelId: Number(id),
      labelName: c.labelName,
      combinedValue: c.value,
      naiveValue: pick(b.naiveValue, id) ?? "",
      infererValues: perWorker(b.infererValues, id),
      forecasterValues: perWorker(b.forecasterValues, id),
      oneOutInfererValues: withheld(b.oneOutInfererValues, (x) => x.withheldInferer, (x) => x.combinedInference, id),
      oneOutForecasterValues: withheld(b.oneOutForecasterValues, (x) => x.withheldForecaster, (x) => x.combinedInference, id),
      oneInForecasterValues: withheld(b.oneInForecasterValues, (x) => x.forecaster, (x) => x.combinedInference, id),
      oneOutInfererForecasterValues: [...byForecaster].map(([forecaster, oneOutInfererValues]) => ({ forecaster, oneOutInfererValues })),
    };
  });
  return { version: "v10", topicId: b.topicId, nonce: nonce ?? b.blockHeight, labels };
}
