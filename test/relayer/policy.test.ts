import { expect } from "chai";
import { deviatesEnough, isDue, nextHeartbeatAt } from "../../relayer/policy/due";
import { buildBatch, DueReport, reportsPerTx, splitBatches } from "../../relayer/policy/batch";

const E18 = 10n ** 18n;
const policy = { deviationBps: 50, heartbeatSeconds: 3600 };
const ref = { value: 100n * E18, nonce: 10n, timestamp: 1_000 };
const cand = (value: bigint, nonce = 11n) => ({ topicId: 1, value, nonce, timestamp: 1_010 });

describe("relayer policy: isDue (deviation, heartbeat, paid)", () => {
  it("is due when the chain has nothing yet", () => {
    expect(isDue(cand(1n), undefined, policy, 1_010)).to.deep.equal({ due: true, reason: "first" });
    expect(isDue(cand(1n), { value: 0n, nonce: 0n, timestamp: 0 }, policy, 1_010).reason).to.equal("first");
  });

  it("is never due when not newer than the reference, even if paid or stale", () => {
    expect(isDue(cand(200n * E18, 10n), ref, policy, 999_999, 5n)).to.deep.equal({ due: false, reason: "not-newer" });
    expect(isDue(cand(200n * E18, 9n), ref, policy, 999_999)).to.deep.equal({ due: false, reason: "not-newer" });
  });

  it("fires on deviation at exactly the threshold, not one unit below", () => {
    // 50 bps of 100 = 0.5
    expect(isDue(cand(100n * E18 + E18 / 2n), ref, policy, 1_010).reason).to.equal("deviation");
    expect(isDue(cand(100n * E18 + E18 / 2n - 1n), ref, policy, 1_010)).to.deep.equal({ due: false, reason: "within-policy" });
    expect(isDue(cand(100n * E18 - E18 / 2n), ref, policy, 1_010).reason).to.equal("deviation");
  });

  it("measures deviation against |reference| for negative values", () => {
    expect(deviatesEnough(-995n * E18 / 10n, -100n * E18, 50)).to.equal(true);
    expect(deviatesEnough(-996n * E18 / 10n, -100n * E18, 50)).to.equal(false);
    expect(deviatesEnough(1n, 0n, 10_000)).to.equal(true);
    expect(deviatesEnough(0n, 0n, 1)).to.equal(false);
  });

  it("fires on heartbeat at exactly heartbeatSeconds of age", () => {
    expect(isDue(cand(ref.value), ref, policy, 1_000 + 3_600).reason).to.equal("heartbeat");
    expect(isDue(cand(ref.value), ref, policy, 1_000 + 3_599).reason).to.equal("within-policy");
    expect(nextHeartbeatAt(ref, policy)).to.equal(4_600);
    expect(nextHeartbeatAt(undefined, policy)).to.equal(undefined);
  });

  it("a paid request makes an otherwise quiet topic due", () => {
    expect(isDue(cand(ref.value), ref, policy, 1_010, 1n)).to.deep.equal({ due: true, reason: "paid" });
  });

  it("deviationBps 0 posts every newer inference", () => {
    expect(isDue(cand(ref.value), ref, { deviationBps: 0, heartbeatSeconds: 60 }, 1_010).due).to.equal(true);
  });
});

describe("relayer policy: buildBatch", () => {
  const r = (topicId: number, paid = 0n, nonce = 5n): DueReport => ({ topicId, value: 1n, nonce, timestamp: 1, paid });

  it("puts paid topics first, highest payment first, then by topic id", () => {
    const b = buildBatch([r(5), r(2, 10n), r(1), r(9, 30n), r(3, 10n)], 10);
    expect(b.included.map((x) => x.topicId)).to.deep.equal([9, 2, 3, 1, 5]);
    expect(b.deferred).to.deep.equal([]);
  });

  it("caps the batch and defers the rest (paid never deferred before unpaid)", () => {
    const b = buildBatch([r(1), r(2), r(3, 1n), r(4)], 2);
    expect(b.included.map((x) => x.topicId)).to.deep.equal([3, 1]);
    expect(b.deferred.map((x) => x.topicId)).to.deep.equal([2, 4]);
  });

  it("keeps one report per topic, the newest nonce", () => {
    const b = buildBatch([r(1, 0n, 5n), r(1, 0n, 7n), r(1, 0n, 6n)], 5);
    expect(b.included).to.have.length(1);
    expect(b.included[0].nonce).to.equal(7n);
  });

  it("rejects a non-positive batch size", () => {
    expect(() => buildBatch([r(1)], 0)).to.throw(/maxBatchSize/);
  });
});

describe("relayer policy: splitBatches and reportsPerTx", () => {
  const r = (topicId: number, paid = 0n, nonce = 5n): DueReport => ({ topicId, value: 1n, nonce, timestamp: 1, paid });

  it("cuts every due topic into consecutive batches in batch order, nothing deferred, one report per topic", () => {
    const b = splitBatches([r(5), r(2, 10n), r(1), r(9, 30n), r(3, 10n), r(1, 0n, 7n), r(4)], 2);
    expect(b.map((x) => x.map((y) => y.topicId))).to.deep.equal([[9, 2], [3, 1], [4, 5]]);
    expect(b[1][1].nonce).to.equal(7n);
    expect(splitBatches([], 3)).to.deep.equal([]);
    expect(() => splitBatches([r(1)], 0)).to.throw(/positive integer/);
    expect(() => splitBatches([r(1)], 1.5)).to.throw(/positive integer, got 1.5/);
    // one report a transaction (a gas cap that holds only one) is allowed
    expect(splitBatches([r(1), r(2)], 1).map((x) => x.map((y) => y.topicId))).to.deep.equal([[1], [2]]);
  });

  it("1,000 topics in batches of 100 make ten transactions", () => {
    const b = splitBatches(Array.from({ length: 1000 }, (_, i) => r(i + 1)), 100);
    expect(b.map((x) => x.length)).to.deep.equal(Array(10).fill(100));
    expect(new Set(b.flat().map((x) => x.topicId)).size).to.equal(1000);
  });

  it("sizes a transaction to the gas it may use: maxBatchSize, fewer under a small cap, at least one", () => {
    expect(reportsPerTx(100, 100 * 26_000 + 150_000, 26_000, 150_000)).to.equal(100);
    expect(reportsPerTx(100, 30_000_000, 26_000, 150_000)).to.equal(100);
    expect(reportsPerTx(100, 1_000_000, 26_000, 150_000)).to.equal(32);
    expect(reportsPerTx(100, 100_000, 26_000, 150_000)).to.equal(1);
  });
});
