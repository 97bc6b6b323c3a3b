import { expect } from "chai";
import { Dec, decString, defaultTopicParams, forecastImpliedInference, forecastImpliedInferences } from "../../synthesis";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in forecast-implied.ts.
const d = (s: string | number): Dec => new Dec(s);
const P = defaultTopicParams();

describe("synthesis/forecast-implied: edges found by mutation testing", () => {
  it("forecastImpliedInferences weighs with the set's own standard deviation when no weigher is given", () => {
    const inferences = new Map([
      ["a", d(1)],
      ["b", d(2)],
      ["c", d(4)],
    ]);
    const forecast = new Map([
      ["a", d(-1)],
      ["b", d(0)],
      ["c", d(1)],
    ]);
    const all = forecastImpliedInferences(inferences, new Map([["f", forecast]]), false, d("0.5"), P);
    // the same hand vector as forecast-implied.test.ts (Python reference), through the map-wide function
    expect(decString(all.get("f") as Dec)).to.equal("1.31218899467683944688443569838751");
    expect(decString(all.get("f") as Dec)).to.equal(decString(forecastImpliedInference(inferences, forecast, false, d("0.5"), P) as Dec));
  });
});
