import { expect } from "chai";
import { Dec, LossMethod, SynthesisInputError, defaultTopicParams, validateParams } from "../../synthesis";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in params.ts.
const d = (s: string | number): Dec => new Dec(s);
const P = defaultTopicParams();

describe("synthesis/params: edges found by mutation testing", () => {
  const refused: [string, object, RegExp][] = [
    ["a non-finite epsilon", { epsilon: d(NaN) }, /^epsilon: NaN is not a finite decimal$/],
    ["a non-finite initial regret", { initialRegret: d(Infinity) }, /^initialRegret: Infinity is not a finite decimal$/],
    ["pNorm 0", { pNorm: d(0) }, /^pNorm: 0 must be > 0 \(the hub uses 2\.5\.\.4\.5\)$/],
    ["epsilon 0", { epsilon: d(0) }, /^epsilon: 0 must be > 0$/],
    ["a quantile below 0", { initialRegretQuantile: d("-0.1") }, /^initialRegretQuantile: -0\.1 must be in \[0, 1\]$/],
    ["an unknown loss method", { lossMethod: "rmse" as LossMethod }, /^lossMethod: "rmse" is not supported; use one of mse, /],
    ["allowNegative that is not a boolean", { allowNegative: "yes" }, /^allowNegative: must be a boolean$/],
  ];
  for (const [what, over, re] of refused) {
    it(`refuses ${what}, naming the field`, () => {
      expect(() => validateParams({ ...P, ...over })).to.throw(SynthesisInputError, re);
    });
  }

  it("accepts quantiles 0, 0.5 and 1 (the bounds are inclusive)", () => {
    for (const q of ["0", "0.5", "1"]) expect(validateParams({ ...P, initialRegretQuantile: d(q) }).initialRegretQuantile?.toString()).to.equal(q);
  });
});
