/**
 * The policy area's edges that the behaviour tests (policy.test.ts, submit-checks.test.ts) leave open, found
 * by `npm run test:mutation -- relayer-policy`: each test names the change to the code it would notice.
 * Pure functions only: no chain, no Redis.
 */
import { expect } from "chai";
import { checkJobReports, JobRules } from "../../relayer/policy/job-check";
import { deviatesEnough, isDue, nextHeartbeatAt } from "../../relayer/policy/due";
import { buildBatch, compareForBatch, DueReport } from "../../relayer/policy/batch";
import { JobReport } from "../../relayer/queue/jobs";

const UINT64_MAX = (1n << 64n) - 1n;
const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;

const report = (topicId: number, nonce: number | bigint, over: Partial<JobReport> = {}): JobReport => ({
  topicId,
  nonce: String(nonce),
  value: "1000000000000000000",
  timestamp: 1_700_000_000,
  paid: "0",
  ...over,
});

describe("relayer policy (mutation edges): checkJobReports", () => {
  const onchain = new Map<number, bigint>([[1, 10n]]);
  const rules: JobRules = { topics: [1, 2, 3], maxBatchSize: 3, onchainNonce: (t) => onchain.get(t) };
  /** "ok fresh=[..] stale=[..]" or "<reason>: <problem>", so a test sees the whole outcome. */
  const outcome = (reports: unknown, r: JobRules = rules): string => {
    const c = checkJobReports(reports, r);
    if (!c.ok) return `${c.reason}: ${c.problem}`;
    return `ok fresh=[${c.fresh.map((x) => x.topicId).join(",")}] stale=[${c.stale.map((x) => x.topicId).join(",")}]`;
  };

  it("takes a job of exactly maxBatchSize reports (the limit is inclusive)", () => {
    expect(outcome([report(1, 11), report(2, 1), report(3, 1)])).to.equal("ok fresh=[1,2,3] stale=[]");
    expect(outcome([report(1, 11)], { ...rules, maxBatchSize: 1 })).to.equal("ok fresh=[1] stale=[]");
  });

  it("refuses a non-list or empty job with the same message", () => {
    expect(outcome([])).to.equal("malformed: the job has no reports list");
    expect(outcome("ab")).to.equal("malformed: the job has no reports list");
    expect(outcome({ length: 1, 0: report(1, 11) })).to.equal("malformed: the job has no reports list");
    expect(outcome(undefined)).to.equal("malformed: the job has no reports list");
  });

  it("refuses a report that is not an object, naming its index", () => {
    expect(outcome([report(2, 1), null])).to.equal("malformed: report 1 is not an object");
    expect(outcome([5])).to.equal("malformed: report 0 is not an object");
    expect(outcome(["x"])).to.equal("malformed: report 0 is not an object");
  });

  it("topicId: a positive safe integer (1 is the smallest)", () => {
    expect(outcome([{ ...report(1, 11), topicId: 0 }])).to.equal("malformed: report 0: topicId 0 is not a positive integer");
    expect(outcome([{ ...report(1, 11), topicId: -1 }])).to.equal("malformed: report 0: topicId -1 is not a positive integer");
    expect(outcome([{ ...report(1, 11), topicId: 1.5 }])).to.equal("malformed: report 0: topicId 1.5 is not a positive integer");
    expect(outcome([report(1, 11)], { ...rules, topics: [1] })).to.equal("ok fresh=[1] stale=[]");
  });

  it("nonce: a decimal string from 1 to uint64 max", () => {
    const wide: JobRules = { ...rules, onchainNonce: () => undefined };
    expect(outcome([report(2, 1)], wide)).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, UINT64_MAX)], wide)).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 0)], wide)).to.equal("malformed: report 0: nonce 0 is not a uint64");
    expect(outcome([report(2, UINT64_MAX + 1n)], wide)).to.equal(`malformed: report 0: nonce ${UINT64_MAX + 1n} is not a uint64`);
    expect(outcome([{ ...report(2, 1), nonce: 5 as unknown as string }], wide)).to.equal("malformed: report 0: nonce 5 is not a uint64");
    // Not anchored at either end, the pattern would let BigInt() throw on these instead of a refusal.
    expect(outcome([report(2, 1, { nonce: "5x" })], wide)).to.equal("malformed: report 0: nonce 5x is not a uint64");
    expect(outcome([report(2, 1, { nonce: "x5" })], wide)).to.equal("malformed: report 0: nonce x5 is not a uint64");
    expect(outcome([report(2, 1, { nonce: "-5" })], wide)).to.equal("malformed: report 0: nonce -5 is not a uint64");
    expect(outcome([report(2, 1, { nonce: "" })], wide)).to.equal("malformed: report 0: nonce  is not a uint64");
  });

  it("value: a decimal int256 string, both ends included", () => {
    expect(outcome([report(2, 1, { value: String(INT256_MAX) })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { value: String(INT256_MIN) })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { value: "-1" })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { value: "0" })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { value: String(INT256_MAX + 1n) })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: String(INT256_MIN - 1n) })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: 1 as unknown as string })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: "1x" })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: "x1" })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: "--1" })])).to.equal("malformed: report 0: value is not an int256");
    expect(outcome([report(2, 1, { value: "" })])).to.equal("malformed: report 0: value is not an int256");
  });

  it("timestamp: a positive safe integer (1 is the smallest)", () => {
    expect(outcome([report(2, 1, { timestamp: 1 })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { timestamp: 0 })])).to.equal("malformed: report 0: timestamp 0 is not a positive integer");
    expect(outcome([report(2, 1, { timestamp: "5" as unknown as number })])).to.equal("malformed: report 0: timestamp 5 is not a positive integer");
  });

  it("paid: a non-negative decimal string", () => {
    expect(outcome([report(2, 1, { paid: "0" })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { paid: "12345" })])).to.equal("ok fresh=[2] stale=[]");
    expect(outcome([report(2, 1, { paid: 0 as unknown as string })])).to.equal("malformed: report 0: paid is not a non-negative integer");
    expect(outcome([report(2, 1, { paid: "1x" })])).to.equal("malformed: report 0: paid is not a non-negative integer");
    expect(outcome([report(2, 1, { paid: "x1" })])).to.equal("malformed: report 0: paid is not a non-negative integer");
    expect(outcome([report(2, 1, { paid: "" })])).to.equal("malformed: report 0: paid is not a non-negative integer");
  });

  it("a well-formed but foreign or repeated topic is refused with its own reason", () => {
    expect(outcome([report(4, 11)])).to.equal("foreign_topic: topic 4 is not served by this relayer (hub.topics)");
    expect(outcome([report(3, 1), report(3, 2)])).to.equal("duplicate_topic: topic 3 appears more than once");
    expect(outcome([report(1, 11), report(2, 1), report(3, 1), report(1, 12)])).to.equal("oversize: 4 reports, more than maxBatchSize 3");
  });

  it("stale means not above the chain's nonce; a topic the chain never saw is fresh from nonce 1", () => {
    expect(outcome([report(1, 10), report(2, 1)])).to.equal("ok fresh=[2] stale=[1]");
    expect(outcome([report(1, 9)])).to.equal("ok fresh=[] stale=[1]");
    expect(outcome([report(1, 11)])).to.equal("ok fresh=[1] stale=[]");
    expect(outcome([report(3, 1)], { ...rules, onchainNonce: () => 0n })).to.equal("ok fresh=[3] stale=[]");
    expect(outcome([report(3, 1)], { ...rules, onchainNonce: () => 1n })).to.equal("ok fresh=[] stale=[3]");
  });
});

describe("relayer policy (mutation edges): isDue and deviatesEnough", () => {
  const policy = { deviationBps: 50, heartbeatSeconds: 3600 };

  it("a zero reference: any change deviates, no change only under deviationBps 0", () => {
    expect(deviatesEnough(0n, 0n, 0)).to.equal(true);
    expect(deviatesEnough(0n, 0n, 50)).to.equal(false);
    expect(deviatesEnough(-1n, 0n, 50)).to.equal(true);
  });

  it("deviation is symmetric: a fall counts like a rise, at the same threshold", () => {
    // 50 bps of 100 = 0.5 (values in whole units here: the rule is scale-free)
    expect(deviatesEnough(995n, 1000n, 50)).to.equal(true);
    expect(deviatesEnough(996n, 1000n, 50)).to.equal(false);
    expect(deviatesEnough(1005n, 1000n, 50)).to.equal(true);
    expect(deviatesEnough(1004n, 1000n, 50)).to.equal(false);
    expect(deviatesEnough(-1005n, -1000n, 50)).to.equal(true);
    expect(deviatesEnough(-1004n, -1000n, 50)).to.equal(false);
  });

  it("a paid request is due only for a positive amount, and never when not newer", () => {
    const ref = { value: 1000n, nonce: 10n, timestamp: 1_000 };
    expect(isDue({ topicId: 1, value: 1000n, nonce: 11n, timestamp: 1_010 }, ref, policy, 1_010, 0n)).to.deep.equal({ due: false, reason: "within-policy" });
    expect(isDue({ topicId: 1, value: 1000n, nonce: 11n, timestamp: 1_010 }, ref, policy, 1_010)).to.deep.equal({ due: false, reason: "within-policy" });
    expect(isDue({ topicId: 1, value: 1000n, nonce: 11n, timestamp: 1_010 }, ref, policy, 1_010, 1n)).to.deep.equal({ due: true, reason: "paid" });
  });

  it("paid wins over heartbeat and deviation (the reason a paid update is counted under)", () => {
    const ref = { value: 1000n, nonce: 10n, timestamp: 1_000 };
    expect(isDue({ topicId: 1, value: 2000n, nonce: 11n, timestamp: 9_000 }, ref, policy, 9_000, 3n)).to.deep.equal({ due: true, reason: "paid" });
    expect(isDue({ topicId: 1, value: 2000n, nonce: 11n, timestamp: 9_000 }, ref, policy, 9_000)).to.deep.equal({ due: true, reason: "heartbeat" });
  });

  it("the heartbeat counts from the reference's hub timestamp", () => {
    const ref = { value: 1000n, nonce: 10n, timestamp: 5_000 };
    expect(isDue({ topicId: 1, value: 1000n, nonce: 11n, timestamp: 5_001 }, ref, policy, 8_599).reason).to.equal("within-policy");
    expect(isDue({ topicId: 1, value: 1000n, nonce: 11n, timestamp: 5_001 }, ref, policy, 8_600).reason).to.equal("heartbeat");
  });

  it("nextHeartbeatAt: none for a chain that has nothing (nonce 0)", () => {
    expect(nextHeartbeatAt({ value: 5n, nonce: 0n, timestamp: 100 }, policy)).to.equal(undefined);
    expect(nextHeartbeatAt({ value: 5n, nonce: 1n, timestamp: 100 }, policy)).to.equal(3_700);
  });
});

describe("relayer policy (mutation edges): buildBatch", () => {
  const r = (topicId: number, paid = 0n, nonce = 5n, value = 1n): DueReport => ({ topicId, value, nonce, timestamp: 1, paid });

  it("orders by payment, then by topic id, whatever the input order", () => {
    expect(compareForBatch(r(1, 5n), r(2, 3n))).to.equal(-1);
    expect(compareForBatch(r(2, 3n), r(1, 5n))).to.equal(1);
    expect(compareForBatch(r(7), r(3))).to.be.greaterThan(0);
    expect(compareForBatch(r(3), r(7))).to.be.lessThan(0);
    expect(compareForBatch(r(3, 2n), r(3, 2n))).to.equal(0);
    const b = buildBatch([r(9), r(4), r(6, 1n), r(2), r(8, 1n)], 10);
    expect(b.included.map((x) => x.topicId)).to.deep.equal([6, 8, 2, 4, 9]);
  });

  it("a batch size of 1 is valid; a fractional one is refused", () => {
    const b = buildBatch([r(2), r(1)], 1);
    expect(b.included.map((x) => x.topicId)).to.deep.equal([1]);
    expect(b.deferred.map((x) => x.topicId)).to.deep.equal([2]);
    expect(() => buildBatch([r(1)], 1.5)).to.throw("maxBatchSize must be a positive integer, got 1.5");
    expect(() => buildBatch([r(1)], -1)).to.throw("maxBatchSize must be a positive integer, got -1");
  });

  it("of two reports of one nonce, the better paid one stays; an older nonce never replaces a newer one", () => {
    const same = buildBatch([r(1, 5n, 7n, 10n), r(1, 2n, 7n, 20n)], 5);
    expect(same.included.map((x) => [x.paid, x.value])).to.deep.equal([[5n, 10n]]);
    const better = buildBatch([r(1, 2n, 7n, 20n), r(1, 5n, 7n, 10n)], 5);
    expect(better.included.map((x) => [x.paid, x.value])).to.deep.equal([[5n, 10n]]);
    const older = buildBatch([r(1, 0n, 7n, 10n), r(1, 9n, 6n, 20n)], 5);
    expect(older.included.map((x) => [x.nonce, x.value])).to.deep.equal([[7n, 10n]]);
  });

  it("keeps every topic once, across interleaved reports", () => {
    const b = buildBatch([r(1, 0n, 5n), r(2, 0n, 3n), r(1, 0n, 6n), r(2, 0n, 4n), r(3, 0n, 1n)], 5);
    expect(b.included.map((x) => [x.topicId, x.nonce])).to.deep.equal([[1, 6n], [2, 4n], [3, 1n]]);
    expect(b.deferred).to.deep.equal([]);
  });
});
