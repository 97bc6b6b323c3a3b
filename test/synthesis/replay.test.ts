import { expect } from "chai";
import { defaultTopicParams, parseLosslessJson, JsonNumber } from "../../synthesis";
import { Replay, ReplayInputError, parseEpochLine } from "../../synthesis/replay";

describe("synthesis/replay: the CLI's input and summary", () => {
  it("reads JSON numbers losslessly (no float rounding)", () => {
    const v = parseLosslessJson('{"x": 0.12345678901234567890123456789, "y": [1e-30, -2]}') as Record<string, unknown>;
    expect((v.x as JsonNumber).text).to.equal("0.12345678901234567890123456789");
    const rec = parseEpochLine('{"epoch": 7, "truth": "1.5", "inferences": {"a": 0.12345678901234567890123456789}}', 3);
    expect(rec.submissions.inferences.get("a")?.toFixed()).to.equal("0.12345678901234567890123456789");
    expect(rec.epoch).to.equal(7);
    expect(rec.submissions.forecasts.size).to.equal(0);
  });

  it("a worker named __proto__ is an ordinary worker", () => {
    const rec = parseEpochLine('{"epoch": 1, "truth": 1, "inferences": {"__proto__": 2, "b": 3}}', 1);
    expect([...rec.submissions.inferences.keys()].sort()).to.deep.equal(["__proto__", "b"]);
  });

  const cases: [string, RegExp][] = [
    ['{"epoch": 1, "truth": NaN, "inferences": {"a": 1}}', /line 4: invalid JSON.*NaN/],
    ['{"epoch": 1, "truth": "NaN", "inferences": {"a": 1}}', /line 4: field truth: "NaN" is not a finite decimal/],
    ['{"epoch": 1, "truth": 1, "inferences": {"a": "abc"}}', /line 4: field inferences\.a: "abc"/],
    ['{"epoch": 1, "truth": 1, "inferences": {"a": 1}, "forecasts": {"f": {"a": null}}}', /line 4: field forecasts\.f\.a: expected a number.*null/],
    ['{"epoch": 1, "truth": 1, "inferences": {}}', /line 4: field inferences: no inference/],
    ['{"epoch": 1.5, "truth": 1, "inferences": {"a": 1}}', /line 4: field epoch: expected an integer/],
    ['{"truth": 1, "inferences": {"a": 1}}', /line 4: field epoch: expected an integer, got missing/],
    ['{"epoch": 1, "inferences": {"a": 1}}', /line 4: field truth: .*missing/],
    ['{"epoch": 1, "truth": 1, "inference": {"a": 1}}', /line 4: unknown field "inference"/],
    ["[1, 2]", /line 4: expected a JSON object/],
    ['{"epoch": 1, "truth": 1, "inferences": {"a": 1}', /line 4: invalid JSON/],
  ];
  for (const [text, re] of cases) {
    it(`rejects ${text} naming the line and the field`, () => {
      expect(() => parseEpochLine(text, 4)).to.throw(ReplayInputError, re);
    });
  }

  it("rejects epochs that do not increase", () => {
    const r = new Replay(defaultTopicParams());
    r.step(parseEpochLine('{"epoch": 2, "truth": 1, "inferences": {"a": 1, "b": 2}}', 1), 1);
    expect(() => r.step(parseEpochLine('{"epoch": 2, "truth": 1, "inferences": {"a": 1, "b": 2}}', 2), 2)).to.throw(
      ReplayInputError,
      /line 2: field epoch: 2 does not follow 2/,
    );
  });

  it("summary: means of the raw loss over the epochs after the first (hand-computed)", () => {
    const r = new Replay(defaultTopicParams());
    // epoch 1 is not scored. Epoch 2: a=1, b=3, c=8, truth 2 -> mean 4 (loss 4), median 3 (loss 1),
    // per worker: a 1, b 1, c 36. Epoch 3: a=2, b=5, c=2, truth 2 -> mean 3 (loss 1), median 2 (0),
    // a 0, b 9, c 0. Means: mean (4+1)/2 = 2.5, median 0.5, a 0.5, b 5, c 18 -> best single 0.5 (a).
    r.step(parseEpochLine('{"epoch": 1, "truth": 0, "inferences": {"a": 0, "b": 1, "c": 5}}', 1), 1);
    r.step(parseEpochLine('{"epoch": 2, "truth": 2, "inferences": {"a": 1, "b": 3, "c": 8}}', 2), 2);
    r.step(parseEpochLine('{"epoch": 3, "truth": 2, "inferences": {"a": 2, "b": 5, "c": 2}}', 3), 3);
    const s = r.summary().summary;
    expect(s.epochs).to.equal(3);
    expect(s.scored_epochs).to.equal(2);
    expect(s.loss.mean).to.equal(2.5);
    expect(s.loss.median).to.equal(0.5);
    expect(s.loss.best_single).to.equal(0.5);
    expect(s.best_single_worker).to.equal("a");
    expect(s.loss.network).to.be.a("number").and.to.be.at.least(0);
  });
});
