import { expect } from "chai";
import { BoundedMemo } from "../../relayer/attest/bounded";

describe("BoundedMemo", () => {
  it("computes a key once while it is kept, forgets the oldest past the cap, keeps nothing of a compute that throws", () => {
    const memo = new BoundedMemo<string, number>(2);
    let calls = 0;
    const square = (k: string) => () => (calls++, Number(k) ** 2);
    expect([memo.get("2", square("2")), memo.get("2", square("2"))]).to.deep.equal([4, 4]);
    expect(calls).to.equal(1);
    memo.get("3", square("3"));
    memo.get("4", square("4")); // "2" is the oldest: forgotten
    memo.get("2", square("2"));
    expect(calls).to.equal(4);
    expect(() => memo.get("x", () => { throw new Error("bad"); })).to.throw(/bad/);
    expect(memo.get("x", () => 9)).to.equal(9);
    memo.set("y", 7);
    expect(memo.get("y", () => 0)).to.equal(7);
  });
});
