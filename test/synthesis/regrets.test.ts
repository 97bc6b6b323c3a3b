import { expect } from "chai";
import {
  Dec,
  EpochLosses,
  SynthesisInputError,
  calcInitialRegret,
  decString,
  defaultTopicParams,
  TopicParams,
  ema,
  emptyRegretState,
  regretStateFromJSON,
  regretStateToJSON,
  updateRegrets,
} from "../../synthesis";

const d = (s: string | number): Dec => new Dec(s);
// These tests pin the released v0.5.0 rules (kept behind chainVersion "v0.5"); current-rules.test.ts covers the default.
const P: TopicParams = { ...defaultTopicParams(), chainVersion: "v0.5" };

function losses(
  combined: string,
  naive: string,
  inferers: Record<string, string>,
  forecasters: Record<string, string> = {},
): EpochLosses {
  const m = (o: Record<string, string>): Map<string, Dec> =>
    new Map(Object.entries(o).map(([k, v]) => [k, d(v)]));
  return {
    combinedValue: d(combined),
    naiveValue: d(naive),
    infererValues: m(inferers),
    forecasterValues: m(forecasters),
    oneOutInfererValues: new Map(),
    oneOutForecasterValues: new Map(),
    oneInForecasterValues: new Map(),
    oneOutInfererForecasterValues: new Map(),
  };
}

describe("synthesis/regrets: EMA regrets and the initial regret", () => {
  it("ema: alpha x + (1 - alpha) previous; the value as is without a previous one", () => {
    // 0.1 * 0.5 + 0.9 * 0.2 = 0.05 + 0.18 = 0.23
    expect(decString(ema(d("0.1"), d("0.5"), d("0.2")))).to.equal("0.23");
    expect(decString(ema(d("0.1"), d("0.5"), undefined))).to.equal("0.5");
  });

  it("initial regret = min(R) + (c - 8.25/p) (stdDev(R) + epsilon) (hand vector)", () => {
    // R = [0.1, 0.3, -0.2]: mean 0.0666.., sample std = sqrt(((1/30)^2 + (7/30)^2 + (8/30)^2) / 2) = 0.2516611...
    // min -0.2 + (-2) * (0.2516611478423583 + 0.0001) = -0.70352229568...
    // python: initial([0.1, 0.3, -0.2]) = -0.7035222956847166464824456537964076
    expect(decString(calcInitialRegret([d("0.1"), d("0.3"), d("-0.2")], P))).to.equal(
      "-0.7035222956847166464824456537964076",
    );
  });

  it("first update: regrets are the first observation as is; no initial regret yet (all were new)", () => {
    const s1 = updateRegrets(emptyRegretState(), losses("-1", "-0.5", { a: "-2", b: "0" }, { f: "-1.5" }), P);
    expect(decString(s1.inferer.get("a") as Dec)).to.equal("1"); // L_i - L_ij = -1 - (-2)
    expect(decString(s1.inferer.get("b") as Dec)).to.equal("-1");
    expect(decString(s1.forecaster.get("f") as Dec)).to.equal("0.5");
    expect(decString(s1.naiveInferer.get("a") as Dec)).to.equal("1.5");
    expect(s1.initialRegret).to.equal(undefined);
    expect(decString(s1.lastNetworkLoss as Dec)).to.equal("-1");
    expect(s1.epochs).to.equal(1);
  });

  it("second update: EMA for known workers, initial regret from experienced workers, newcomer starts from it", () => {
    const s1 = updateRegrets(emptyRegretState(), losses("-1", "-1", { a: "-2", b: "0" }), P);
    // epoch 2: a: 0.1 * (-1 - (-1.5)) + 0.9 * 1 = 0.95; b: 0.1 * (-1 - 0) + 0.9 * (-1) = -1
    const s2 = updateRegrets(s1, losses("-1", "-1", { a: "-1.5", b: "0" }), P);
    expect(decString(s2.inferer.get("a") as Dec)).to.equal("0.95");
    expect(decString(s2.inferer.get("b") as Dec)).to.equal("-1");
    // initial regret from [0.95, -1]: mean -0.025, std = sqrt((0.975^2 * 2) / 1) = 1.3788582233137676...
    // -1 + (-2) * (1.378858223313767 + 0.0001) = -3.757916446627535... (python, prec 50)
    const init = s2.initialRegret as Dec;
    expect(init.toFixed(12)).to.equal("-3.757916446627"); // toFixed truncates (ROUND_DOWN)
    // epoch 3: newcomer c: 0.1 * (L - L_c) + 0.9 * initial regret
    const s3 = updateRegrets(s2, losses("-1", "-1", { a: "-1", b: "-1", c: "-3" }), P);
    const expected = d("0.1").times(2).plus(d("0.9").times(init));
    expect(decString(s3.inferer.get("c") as Dec)).to.equal(decString(expected));
  });

  it("a configured topic initial regret seeds newcomers before one is computed", () => {
    const s1 = updateRegrets(emptyRegretState(), losses("0", "0", { a: "-1" }), {
      ...P,
      initialRegret: d(-2),
    });
    // 0.1 * 1 + 0.9 * -2 = -1.7
    expect(decString(s1.inferer.get("a") as Dec)).to.equal("-1.7");
  });

  it("does not mutate its input state and keeps absent workers' regrets", () => {
    const s1 = updateRegrets(emptyRegretState(), losses("0", "0", { a: "-1", b: "1" }), P);
    const before = JSON.stringify(regretStateToJSON(s1));
    const s2 = updateRegrets(s1, losses("0", "0", { a: "0" }), P);
    expect(JSON.stringify(regretStateToJSON(s1))).to.equal(before);
    expect(decString(s2.inferer.get("b") as Dec)).to.equal("-1");
    expect(decString(s2.inferer.get("a") as Dec)).to.equal("0.9");
  });

  it("updates the one-out and one-in regrets against the right losses", () => {
    const l = losses("0", "0", { a: "-1", b: "1" }, { f: "-2", g: "1" });
    l.oneOutInfererValues = new Map([["a", d("0.5")]]);
    l.oneOutForecasterValues = new Map([["f", d("0.25")]]);
    l.oneInForecasterValues = new Map([["g", d("-0.5")]]);
    l.oneOutInfererForecasterValues = new Map([["f", new Map([["a", d(3)]])]]);
    const s = updateRegrets(emptyRegretState(), l, P);
    expect(decString(s.oneOutInfererInferer.get("a")?.get("b") as Dec)).to.equal("-0.5"); // 0.5 - 1
    expect(decString(s.oneOutInfererForecaster.get("a")?.get("f") as Dec)).to.equal("-2.5"); // 0.5 - 3
    expect(s.oneOutInfererForecaster.get("a")?.has("g")).to.equal(false);
    expect(decString(s.oneOutForecasterInferer.get("f")?.get("a") as Dec)).to.equal("1.25"); // 0.25 - (-1)
    expect(decString(s.oneOutForecasterForecaster.get("f")?.get("g") as Dec)).to.equal("-0.75"); // 0.25 - 1
    expect(decString(s.oneInForecasterInferer.get("g")?.get("b") as Dec)).to.equal("-1.5"); // -0.5 - 1
    expect(decString(s.oneInForecasterSelf.get("g") as Dec)).to.equal("-1.5"); // -0.5 - 1
  });

  it("rejects NaN losses with an error naming the entry", () => {
    expect(() => updateRegrets(emptyRegretState(), losses("0", "0", { a: "NaN" }), P)).to.throw(
      SynthesisInputError,
      /infererValues\[a\]/,
    );
  });

  it("JSON round trip keeps every decimal exactly", () => {
    let s = updateRegrets(
      emptyRegretState(),
      losses("0.1234567890123456789012345678901234", "0", { a: "-1", b: "1" }, { f: "2" }),
      P,
    );
    s.inferer.set("__proto__", d("0.5"));
    s = updateRegrets(s, losses("0", "0", { a: "-1", b: "1", c: "3" }, { f: "2" }), P);
    const json = JSON.stringify(regretStateToJSON(s));
    const back = regretStateFromJSON(json);
    expect(JSON.stringify(regretStateToJSON(back))).to.equal(json);
    expect(decString(back.initialRegret as Dec)).to.equal(decString(s.initialRegret as Dec));
    expect(decString(back.inferer.get("__proto__") as Dec)).to.equal("0.5");
    expect(() => regretStateFromJSON({ ...regretStateToJSON(s), inferer: { a: "NaN" } })).to.throw(
      SynthesisInputError,
      /inferer\.a/,
    );
  });
});
