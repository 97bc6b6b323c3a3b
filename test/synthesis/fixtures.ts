import { Dec, EpochLosses } from "../../synthesis";

/** An epoch's losses with every value 1 and every map empty, `over` replacing any field. */
export function epochLosses(over: Partial<EpochLosses> = {}): EpochLosses {
  return {
    combinedValue: new Dec(1),
    naiveValue: new Dec(1),
    infererValues: new Map(),
    forecasterValues: new Map(),
    oneOutInfererValues: new Map(),
    oneOutForecasterValues: new Map(),
    oneInForecasterValues: new Map(),
    oneOutInfererForecasterValues: new Map(),
    ...over,
  };
}
