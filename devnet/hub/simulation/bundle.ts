/** Conversion of a synthesis NetworkBundle into the chain's ValueBundle. */
import { ValueBundle } from "../../../lib/allora-proto";
import { decString, NetworkBundle, WorkerValue } from "../../../synthesis";

/** The bundle's values; topic id and nonce are set by the emissions module when the epoch closes. */
export function toValueBundleBase(b: NetworkBundle): ValueBundle {
  const wv = (xs: WorkerValue[]) => xs.map((x) => ({ worker: x.worker, value: decString(x.value) }));
  return ValueBundle.fromPartial({
    combinedValue: decString(b.combinedValue),
    infererValues: wv(b.infererValues),
    forecasterValues: wv(b.forecasterValues),
    naiveValue: decString(b.naiveValue),
    oneOutInfererValues: wv(b.oneOutInfererValues),
    oneOutForecasterValues: wv(b.oneOutForecasterValues),
    oneInForecasterValues: wv(b.oneInForecasterValues),
    oneOutInfererForecasterValues: b.oneOutInfererForecasterValues.map((o) => ({
      forecaster: o.forecaster,
      oneOutInfererValues: wv(o.values),
    })),
  });
}

/** A complete network ValueBundle for a topic and epoch nonce. */
export function toValueBundle(topicId: bigint, nonce: bigint, b: NetworkBundle): ValueBundle {
  return { ...toValueBundleBase(b), topicId, reputerRequestNonce: { reputerNonce: { blockHeight: nonce } } };
}
