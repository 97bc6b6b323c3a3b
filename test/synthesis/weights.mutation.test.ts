import { expect } from "chai";
import { Dec, defaultTopicParams, weightsFromRegrets, weightsWithScale } from "../../synthesis";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in weights.ts.
const P = defaultTopicParams();

describe("synthesis/weights: edges found by mutation testing", () => {
  it("an empty set of regrets has no weights, with either scale rule", () => {
    expect(weightsFromRegrets([], P)).to.deep.equal([]);
    expect(weightsWithScale([], new Dec("0.5"), P)).to.deep.equal([]);
  });
});
