/**
 * The network bundle in the hub's wire shape: ValueBundle (emissions.v3) field names, decimals as strings.
 * Pure helpers for whoever serves the bundle (e.g. the hub devnet's query and event encoders).
 */
import { Dec, decString } from "./dec";
import { NetworkBundle, WorkerValue } from "./types";

/** WorkerAttributedValue / WithheldWorkerAttributedValue: { worker, value } with value a decimal string. */
export interface WorkerValueJSON {
  worker: string;
  value: string;
}

/** The values of a ValueBundle (fields 5 to 12), proto JSON names, decimals as strings. */
export interface ValueBundleValuesJSON {
  combined_value: string;
  inferer_values: WorkerValueJSON[];
  forecaster_values: WorkerValueJSON[];
  naive_value: string;
  one_out_inferer_values: WorkerValueJSON[];
  one_out_forecaster_values: WorkerValueJSON[];
  one_in_forecaster_values: WorkerValueJSON[];
  one_out_inferer_forecaster_values: { forecaster: string; one_out_inferer_values: WorkerValueJSON[] }[];
}

const list = (xs: WorkerValue[]): WorkerValueJSON[] => xs.map((x) => ({ worker: x.worker, value: decString(x.value) }));

/** Converts a NetworkBundle to the ValueBundle's value fields (topic, nonce and reputer are the caller's). */
export function bundleToValueBundleJSON(bundle: NetworkBundle): ValueBundleValuesJSON {
  return {
    combined_value: decString(bundle.combinedValue),
    inferer_values: list(bundle.infererValues),
    forecaster_values: list(bundle.forecasterValues),
    naive_value: decString(bundle.naiveValue),
    one_out_inferer_values: list(bundle.oneOutInfererValues),
    one_out_forecaster_values: list(bundle.oneOutForecasterValues),
    one_in_forecaster_values: list(bundle.oneInForecasterValues),
    one_out_inferer_forecaster_values: bundle.oneOutInfererForecasterValues.map((x) => ({
      forecaster: x.forecaster,
      one_out_inferer_values: list(x.values),
    })),
  };
}

/** Weights as sorted [worker, decimal string] pairs (e.g. for EventInfererWeightsSet). */
export function weightsToJSON(weights: Map<string, Dec>): { worker: string; weight: string }[] {
  return [...weights.keys()].sort().map((w) => ({ worker: w, weight: decString(weights.get(w) as Dec) }));
}
