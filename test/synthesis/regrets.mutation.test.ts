import { expect } from "chai";
import {
  Dec,
  SynthesisInputError,
  decString,
  defaultTopicParams,
  emptyRegretState,
  regretStateFromJSON,
  regretStateToJSON,
  updateRegrets,
  type RegretStateJSON,
} from "../../synthesis";
import { epochLosses } from "./fixtures";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in regrets.ts: the saved
// state's exact shape, what a damaged file is refused for, and an epoch without inferers.
const d = (s: string | number): Dec => new Dec(s);
const m = (o: Record<string, string>): Map<string, Dec> => new Map(Object.entries(o).map(([k, v]) => [k, d(v)]));
const P = defaultTopicParams();

function fullState() {
  const s = emptyRegretState();
  // inserted out of order: the JSON form sorts keys (deterministic files)
  s.inferer = m({ b: "2", a: "1" });
  s.forecaster = m({ f: "3" });
  s.naiveInferer = m({ a: "4" });
  s.oneOutInfererInferer = new Map([["b", m({ a: "5" })], ["a", m({ b: "6" })]]);
  s.oneOutInfererForecaster = new Map([["a", m({ f: "7" })]]);
  s.oneOutForecasterInferer = new Map([["f", m({ a: "8" })]]);
  s.oneOutForecasterForecaster = new Map([["f", m({ g: "9" })]]);
  s.oneInForecasterInferer = new Map([["f", m({ a: "10" })]]);
  s.oneInForecasterSelf = m({ f: "11" });
  s.initialRegret = d("-0.5");
  s.lastNetworkLoss = d("0.25");
  s.epochs = 7;
  s.regretScale = d("1.5");
  s.latestInfererWeights = m({ a: "0.4" });
  s.latestForecasterWeights = m({ f: "0.6" });
  s.infererInclusions = new Map([["b", 2], ["a", 3]]);
  s.forecasterInclusions = new Map([["f", 0]]);
  return s;
}

const FULL_JSON: RegretStateJSON = {
  version: 1,
  inferer: { a: "1", b: "2" },
  forecaster: { f: "3" },
  naiveInferer: { a: "4" },
  oneOutInfererInferer: { a: { b: "6" }, b: { a: "5" } },
  oneOutInfererForecaster: { a: { f: "7" } },
  oneOutForecasterInferer: { f: { a: "8" } },
  oneOutForecasterForecaster: { f: { g: "9" } },
  oneInForecasterInferer: { f: { a: "10" } },
  oneInForecasterSelf: { f: "11" },
  initialRegret: "-0.5",
  lastNetworkLoss: "0.25",
  epochs: 7,
  regretScale: "1.5",
  latestInfererWeights: { a: "0.4" },
  latestForecasterWeights: { f: "0.6" },
  infererInclusions: { a: 3, b: 2 },
  forecasterInclusions: { f: 0 },
};

const losses = epochLosses;

describe("synthesis/regrets: edges found by mutation testing", () => {
  it("the JSON form of a state holds every field, keys sorted, and reads back to the same state", () => {
    const json = regretStateToJSON(fullState());
    expect(JSON.stringify(json)).to.equal(JSON.stringify(FULL_JSON));
    const back = regretStateFromJSON(JSON.stringify(FULL_JSON));
    expect(JSON.stringify(regretStateToJSON(back))).to.equal(JSON.stringify(FULL_JSON));
    expect(back.epochs).to.equal(7);
    expect(decString(back.oneOutInfererInferer.get("b")?.get("a") as Dec)).to.equal("5");
    expect(back.infererInclusions.get("a")).to.equal(3);
  });

  it("unset decimals are saved as null and read back as unset", () => {
    const json = regretStateToJSON(emptyRegretState());
    expect(json.initialRegret).to.equal(null);
    expect(json.lastNetworkLoss).to.equal(null);
    expect(json.regretScale).to.equal(null);
    const back = regretStateFromJSON(json);
    expect(back.initialRegret).to.equal(undefined);
    expect(back.regretScale).to.equal(undefined);
  });

  it("a file of an older version without the optional maps and epochs reads as an empty state", () => {
    const back = regretStateFromJSON({ version: 1 } as RegretStateJSON);
    expect(back.epochs).to.equal(0);
    expect(back.inferer.size).to.equal(0);
    expect(back.oneOutInfererInferer.size).to.equal(0);
    expect(back.infererInclusions.size).to.equal(0);
    expect(JSON.stringify(regretStateToJSON(back))).to.equal(JSON.stringify(regretStateToJSON(emptyRegretState())));
  });

  it("a state that is not an object, or of another version, is refused", () => {
    for (const bad of ["[]", "null", "3"]) {
      expect(() => regretStateFromJSON(bad)).to.throw(SynthesisInputError, /^regret state: expected an object$/);
    }
    expect(() => regretStateFromJSON({ ...FULL_JSON, version: 2 } as unknown as RegretStateJSON)).to.throw(
      SynthesisInputError,
      /^regret state: unsupported version 2, expected 1$/,
    );
  });

  it("epochs must be a non-negative integer (0 is fine)", () => {
    expect(regretStateFromJSON({ ...FULL_JSON, epochs: 0 }).epochs).to.equal(0);
    for (const bad of [-1, 1.5, "3"]) {
      expect(() => regretStateFromJSON({ ...FULL_JSON, epochs: bad } as unknown as RegretStateJSON)).to.throw(
        SynthesisInputError,
        /^regret state\.epochs: expected a non-negative integer$/,
      );
    }
  });

  const maps = ["inferer", "forecaster", "naiveInferer", "oneInForecasterSelf", "latestInfererWeights", "latestForecasterWeights"];
  const nested = ["oneOutInfererInferer", "oneOutInfererForecaster", "oneOutForecasterInferer", "oneOutForecasterForecaster", "oneInForecasterInferer"];
  for (const field of maps) {
    it(`a damaged ${field} is refused, naming the field`, () => {
      for (const bad of [[], null, "x"]) {
        expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: bad } as unknown as RegretStateJSON)).to.throw(
          SynthesisInputError,
          new RegExp(`^${field}: expected an object of decimal strings$`),
        );
      }
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: { w: "NaN" } })).to.throw(SynthesisInputError, new RegExp(`^${field}\\.w: `));
    });
  }
  for (const field of nested) {
    it(`a damaged ${field} is refused, naming the field and the key`, () => {
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: [] } as unknown as RegretStateJSON)).to.throw(
        SynthesisInputError,
        new RegExp(`^${field}: expected an object of objects$`),
      );
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: { k: "1" } } as unknown as RegretStateJSON)).to.throw(
        SynthesisInputError,
        new RegExp(`^${field}\\.k: expected an object of decimal strings$`),
      );
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: { k: { w: "x" } } })).to.throw(SynthesisInputError, new RegExp(`^${field}\\.k\\.w: `));
    });
  }
  for (const field of ["infererInclusions", "forecasterInclusions"]) {
    it(`${field} must be non-negative integers (0 is fine), naming the worker`, () => {
      expect(regretStateFromJSON({ ...FULL_JSON, [field]: { w: 0 } })[field as "infererInclusions"].get("w")).to.equal(0);
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: [] } as unknown as RegretStateJSON)).to.throw(
        SynthesisInputError,
        new RegExp(`^${field}: expected an object of non-negative integers$`),
      );
      for (const [bad, shown] of [[-1, "-1"], [1.5, "1.5"], ["2", '"2"']] as const) {
        expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: { w: bad } } as unknown as RegretStateJSON)).to.throw(
          SynthesisInputError,
          new RegExp(`^${field}\\.w: expected a non-negative integer, got ${shown}$`),
        );
      }
    });
  }

  for (const field of ["initialRegret", "lastNetworkLoss", "regretScale"]) {
    it(`a damaged ${field} is refused, naming the field`, () => {
      expect(() => regretStateFromJSON({ ...FULL_JSON, [field]: "x" })).to.throw(SynthesisInputError, new RegExp(`^${field}: "x" is not a finite decimal`));
    });
  }

  it("a missing or non-finite epoch loss is refused, naming it", () => {
    expect(() => updateRegrets(emptyRegretState(), losses({ naiveValue: undefined as unknown as Dec }), P)).to.throw(
      SynthesisInputError,
      /^naiveValue: loss missing is not a finite decimal$/,
    );
    expect(() => updateRegrets(emptyRegretState(), losses({ combinedValue: d(NaN) }), P)).to.throw(
      SynthesisInputError,
      /^combinedValue: loss NaN is not a finite decimal$/,
    );
  });

  it("an epoch without inferers leaves the regret scale and the latest weights as they were (current rules)", () => {
    const s = fullState();
    const next = updateRegrets(s, losses({ forecasterValues: m({ f: "0.5" }) }), P);
    expect(decString(next.regretScale as Dec)).to.equal("1.5");
    expect(decString(next.latestForecasterWeights.get("f") as Dec)).to.equal("0.6");
    expect(decString(next.latestInfererWeights.get("a") as Dec)).to.equal("0.4");
    // the forecaster's regret itself moves: EMA of (1 - 0.5) from 3 with alpha 0.1
    expect(decString(next.forecaster.get("f") as Dec)).to.equal("2.75");
  });
});
