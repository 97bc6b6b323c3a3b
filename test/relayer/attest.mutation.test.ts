/**
 * The attest area's edges the behaviour tests leave open, found by `npm run test:mutation -- relayer-attest`:
 * the hub check's messages and memo, the signature pool's key, expiry and polling (real Redis, own prefix),
 * what the attesters sign, refuse and log (the `hostile_job` alert is what operators page on), the memo caps.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import { Wallet } from "ethers";
import { InferenceVerifier, HubLookup } from "../../relayer/attest/verifier";
import { SignaturePool } from "../../relayer/attest/pool";
import { Attesters, AttestTarget } from "../../relayer/attest/attester";
import { concatBySigner, recoverSigner, reportBatchDigest, signDigest } from "../../relayer/attest/eip712";
import { BoundedMemo, trimOldest } from "../../relayer/attest/bounded";
import { fastReportBatchDigest, fastTransferDigest, matchesBatchType, matchesTransferType } from "../../relayer/attest/fast-digest";
import { TRANSFER_TYPES } from "../../lib/eip712/bridge";
import { oracleDomain, REPORT_BATCH_TYPES, reportBatchDigest as libBatchDigest, reportBatchMessage } from "../../lib/eip712/oracle";
import type { OracleReport } from "../../lib/eip712/oracle";
import { SynthesisGuard } from "../../relayer/attest/synthesis-guard";
import type { SynthesisMaterial } from "../../relayer/attest/synthesis-source";
import { Dec } from "../../synthesis";
import { agrees, BundleParts, checkBundle, rederive, SynthesisInputs } from "../../relayer/attest/synthesis-check";
import { splitSignatures } from "../../lib/eip712/signatures";
import { JobReport } from "../../relayer/queue/jobs";
import { captureLogger, REDIS_URL } from "./helpers";

const E18 = 10n ** 18n;
const report = (topicId: number, nonce: number, over: Partial<JobReport> = {}): JobReport => ({ topicId, nonce: String(nonce), value: E18.toString(), timestamp: 1_700_000_000, paid: "0", ...over });

/** A hub that answers from a table and counts the questions (the hub is a remote service; the table is its state). */
function hubOf(values: Record<string, string>, times: Record<number, number> = {}): HubLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    valueAt: async (topicId, nonce) => {
      asked.push(`value ${topicId}:${nonce}`);
      return values[`${topicId}:${nonce}`];
    },
    blockTime: async (height) => {
      asked.push(`time ${height}`);
      return times[height] ?? 1_700_000_000;
    },
  };
}

/** A two-inferer bundle of the chain's first epoch: honest when its combined value is their median (15). */
function material(honest: boolean): SynthesisMaterial {
  const zero = { value: new Dec(0), hasPrior: false };
  return {
    bundle: { combinedValue: honest ? "15" : "16", naiveValue: "0", infererValues: [{ worker: "a", value: "10" }, { worker: "b", value: "20" }], forecasterValues: [] },
    inputs: {
      params: { pNorm: new Dec(3), cNorm: new Dec("0.75"), epsilon: new Dec("0.0001") },
      initialRegret: new Dec(0),
      regretScale: new Dec(0),
      inferer: new Map([["a", zero], ["b", zero]]),
      forecaster: new Map(),
      naiveInferer: new Map([["a", zero], ["b", zero]]),
    },
  };
}

describe("relayer attest (mutation edges): trimOldest", () => {
  it("keeps at most max entries, dropping the oldest first", () => {
    const m = new Map<number, string>();
    for (let i = 0; i < 5; i++) {
      m.set(i, String(i));
      trimOldest(m, 3);
    }
    expect([...m.keys()]).to.deep.equal([2, 3, 4]);
    const s = new Set<string>(["a", "b", "c"]);
    trimOldest(s, 3);
    expect([...s]).to.deep.equal(["a", "b", "c"]);
    trimOldest(s, 1);
    expect([...s]).to.deep.equal(["c"]);
  });
});

describe("relayer attest (mutation edges): BoundedMemo", () => {
  it("computes a key once while it is kept, remembers values set without computing, forgets the oldest past its cap", () => {
    const memo = new BoundedMemo<string, number>(2);
    let computed = 0;
    const compute = (v: number) => () => (computed++, v);
    expect(memo.get("a", compute(1))).to.equal(1);
    expect(memo.get("a", compute(9))).to.equal(1);
    expect(computed).to.equal(1);
    memo.set("b", 2);
    expect(memo.get("b", compute(9))).to.equal(2);
    expect(computed).to.equal(1);
    memo.set("c", 3); // "a" is the oldest: forgotten
    expect(memo.get("a", compute(4))).to.equal(4);
    expect(computed).to.equal(2);
  });
});

describe("relayer attest (mutation edges): InferenceVerifier", () => {
  it("asks the hub once per (topic, nonce), then answers from memory", async () => {
    const hub = hubOf({ "1:5": "1" }, { 5: 1_700_000_000 });
    const v = new InferenceVerifier(hub);
    expect(await v.check([report(1, 5)])).to.equal(undefined);
    expect(await v.check([report(1, 5)])).to.equal(undefined);
    expect(hub.asked).to.deep.equal(["value 1:5", "time 5"]);
  });

  it("names what differs: a missing inference, the value, the timestamp; in any report of the job", async () => {
    const hub = hubOf({ "1:5": "1", "2:6": "2" }, { 5: 1_700_000_000, 6: 1_700_000_050 });
    const v = new InferenceVerifier(hub);
    expect(await v.check([report(1, 5), report(3, 7)])).to.equal("topic 3: the hub has no inference at nonce 7");
    expect(await v.check([report(1, 5), report(2, 6, { timestamp: 1_700_000_050 })])).to.equal(
      `topic 2 nonce 6: value ${E18} differs from the hub's ${2n * E18}`,
    );
    expect(await v.check([report(1, 5), report(2, 6, { value: (2n * E18).toString() })])).to.equal(
      "topic 2 nonce 6: timestamp 1700000000 differs from the hub's 1700000050",
    );
    expect(await v.check([report(1, 5), report(2, 6, { value: (2n * E18).toString(), timestamp: 1_700_000_050 })])).to.equal(undefined);
  });

  it("checks remembered values too", async () => {
    const v = new InferenceVerifier(hubOf({}));
    v.remember(4, 9n, 7n, 100);
    expect(await v.check([report(4, 9, { value: "7", timestamp: 100 })])).to.equal(undefined);
    expect(await v.check([report(4, 9, { value: "8", timestamp: 100 })])).to.equal("topic 4 nonce 9: value 8 differs from the hub's 7");
    expect(await v.check([report(4, 9, { value: "7", timestamp: 101 })])).to.equal("topic 4 nonce 9: timestamp 101 differs from the hub's 100");
  });
});

describe("relayer attest (mutation edges): SignaturePool (real Redis)", function () {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `test-relayer-attest-mut-${randomBytes(5).toString("hex")}`;
  const oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const wallets = [0, 1, 2].map(() => Wallet.createRandom());
  const members = wallets.map((w) => w.address);
  const digestOf = (n: bigint) => reportBatchDigest(31337, oracle, n, [{ topicId: 1n, value: E18, nonce: n, timestamp: 1_700_000_000n }]);

  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it("files a digest's signatures under one key whatever the hex case, kept for three days, gone after forget", async () => {
    const pool = new SignaturePool(redis, prefix);
    const digest = digestOf(1n);
    await pool.sign(digest, wallets[0]);
    const key = `${prefix}:sigs:${digest.toLowerCase()}`;
    expect(await redis.hkeys(key)).to.deep.equal([wallets[0].address]);
    expect(await pool.has(digest.toUpperCase().replace("0X", "0x"), wallets[0].address)).to.equal(true);
    const ttl = await redis.ttl(key);
    expect(ttl).to.be.within(3 * 24 * 3600 - 60, 3 * 24 * 3600);
    await pool.forget(digest);
    expect(await redis.exists(key)).to.equal(0);
    expect(await pool.has(digest, wallets[0].address)).to.equal(false);
  });

  it("waits for a signature that arrives while it polls, and stops when aborted", async () => {
    const pool = new SignaturePool(redis, prefix);
    const digest = digestOf(2n);
    await pool.put(digest, wallets[1].address, signDigest(wallets[1].signingKey, digest));
    let polls = 0;
    // The second signature is put in by the first failed poll: the wait must look again and find it.
    const got = await pool.waitForThreshold(digest, members, 2, 60_000, 10, () => {
      polls++;
      if (polls === 1) void pool.put(digest, wallets[2].address, signDigest(wallets[2].signingKey, digest));
      return false;
    });
    expect(got?.count).to.equal(2);
    const expected = [wallets[1].address, wallets[2].address].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect(splitSignatures(got!.signatures).map((s) => recoverSigner(digest, s))).to.deep.equal(expected);
    expect(await pool.waitForThreshold(digest, members, 3, 60_000, 10, () => true)).to.equal(undefined);
    expect(await pool.waitForThreshold(digest, members, 3, 0)).to.equal(undefined);
    // Without an abort check it polls until the deadline: the put below reaches Redis after the first poll's read
    // (one connection, commands in order), so only a second poll can see it.
    const third = pool.waitForThreshold(digest, members, 3, 60_000, 10);
    await pool.put(digest, wallets[0].address, signDigest(wallets[0].signingKey, digest));
    expect((await third)?.count).to.equal(3);
  });

  it("signs to the threshold lowest address first, whatever the keys' order, counting valid signatures already there", async () => {
    const pool = new SignaturePool(redis, prefix);
    const lowToHigh = [...wallets].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    for (const [n, given] of [[5n, lowToHigh], [6n, [...lowToHigh].reverse()]] as const) {
      const digest = digestOf(n);
      expect(await pool.signToThreshold(digest, given, members, 1)).to.equal(1);
      expect([...(await pool.valid(digest, members)).keys()]).to.deep.equal([lowToHigh[0].address]);
      // the lowest has signed: a threshold of two takes one more, the next lowest
      expect(await pool.signToThreshold(digest, given, members, 2)).to.equal(1);
      expect(new Set((await pool.valid(digest, members)).keys())).to.deep.equal(new Set([lowToHigh[0].address, lowToHigh[1].address]));
      expect(await pool.signToThreshold(digest, given, members, 2)).to.equal(0);
    }
  });

  it("takes exactly the threshold of the lowest signers even when more signed", async () => {
    const pool = new SignaturePool(redis, prefix);
    const digest = digestOf(3n);
    for (const w of wallets) await pool.sign(digest, w);
    const sorted = [...members].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    for (const threshold of [1, 2, 3]) {
      const got = await pool.waitForThreshold(digest, members, threshold, 0);
      expect(got?.count).to.equal(threshold);
      expect(splitSignatures(got!.signatures).map((s) => recoverSigner(digest, s))).to.deep.equal(sorted.slice(0, threshold));
    }
    // Members given in any case or order are the same members.
    expect((await pool.valid(digest, members.map((m) => m.toLowerCase()).reverse())).size).to.equal(3);
    expect((await pool.valid(digest, [])).size).to.equal(0);
  });
});

describe("relayer attest (mutation edges): eip712 helpers", () => {
  it("recoverSigner returns undefined for anything that is not a signature; concatBySigner sorts by signer", () => {
    const digest = reportBatchDigest(1, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 1n, [{ topicId: 1n, value: 1n, nonce: 1n, timestamp: 1n }]);
    const [a, b] = [Wallet.createRandom(), Wallet.createRandom()].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
    const sa = signDigest(a.signingKey, digest);
    const sb = signDigest(b.signingKey, digest);
    expect(recoverSigner(digest, sa)).to.equal(a.address);
    expect(recoverSigner(digest, "0x1234")).to.equal(undefined);
    expect(concatBySigner([[b.address, sb], [a.address, sa]])).to.equal(sa + sb.slice(2));
    expect(concatBySigner([[a.address, sa], [b.address, sb]])).to.equal(sa + sb.slice(2));
  });
});

const libDigest = (chainId: bigint, oracle: string, setId: bigint, reports: OracleReport[]) => libBatchDigest(oracleDomain(chainId, oracle), reportBatchMessage(setId, reports));

describe("relayer attest (mutation edges): fast digest", () => {
  it("equals the library's digest for the largest set id and either spelling of the oracle", () => {
    const reports = [{ topicId: 7n, value: -5n, nonce: 9n, timestamp: 1n }];
    const oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    for (const setId of [0n, 1n, 255n, 256n, (1n << 64n) - 1n]) {
      expect(fastReportBatchDigest(31337, oracle, setId, reports)).to.equal(libDigest(31337n, oracle, setId, reports));
      expect(fastReportBatchDigest(31337, oracle.toLowerCase(), setId, reports)).to.equal(libDigest(31337n, oracle, setId, reports));
    }
    expect(fastReportBatchDigest(1, oracle, 1n, reports)).to.equal(libDigest(1n, oracle, 1n, reports));
  });

  it("a transfer outside its EIP-712 types has no digest; the error names the field and the value", () => {
    const domain = { chainId: 31337n, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    const t = { setId: 1n, sourceChain: 2n, sourceBridge: "0x" + "11".repeat(32), sequence: 3n, recipient: Wallet.createRandom().address, amount: 4n };
    expect(fastTransferDigest(domain, t)).to.match(/^0x[0-9a-f]{64}$/);
    for (const [field, v] of [
      ["setId", 1n << 64n],
      ["sourceChain", -1n],
      ["sequence", 1n << 64n],
      ["amount", 1n << 256n],
    ] as const)
      expect(() => fastTransferDigest(domain, { ...t, [field]: v })).to.throw(RangeError, `transfer ${field} ${v} is out of range for its EIP-712 type`);
    expect(() => fastTransferDigest(domain, { ...t, sourceBridge: "0x1234" })).to.throw(RangeError, "transfer sourceBridge 0x1234 is not 32 bytes");
  });

  it("refuses transfer types other than exactly the library's", () => {
    expect(matchesTransferType(TRANSFER_TYPES)).to.equal(true);
    const fields = TRANSFER_TYPES.Transfer;
    expect(matchesTransferType({ Transfer: fields.map((f, i) => (i === 0 ? { ...f, type: "uint256" } : f)) })).to.equal(false);
    expect(matchesTransferType({ Transfer: [...fields].reverse() })).to.equal(false);
    expect(matchesTransferType({ ...TRANSFER_TYPES, Other: [{ name: "x", type: "uint8" }] })).to.equal(false);
    expect(matchesTransferType({ Other: fields })).to.equal(false);
  });

  it("refuses types other than exactly the library's batch type", () => {
    expect(matchesBatchType(REPORT_BATCH_TYPES)).to.equal(true);
    const fields = REPORT_BATCH_TYPES.ReportBatch;
    expect(matchesBatchType({ ReportBatch: fields.map((f, i) => (i === 0 ? { ...f, type: "uint256" } : f)) })).to.equal(false);
    expect(matchesBatchType({ ReportBatch: [...fields].reverse() })).to.equal(false);
    expect(matchesBatchType({ ...REPORT_BATCH_TYPES, Report: [{ name: "x", type: "uint8" }] })).to.equal(false);
    expect(matchesBatchType({ Other: fields })).to.equal(false);
  });
});

describe("relayer attest (mutation edges): Attesters", function () {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `test-relayer-attesters-mut-${randomBytes(5).toString("hex")}`;
  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  function setup(opts: { signers?: (keys: Wallet[]) => string[]; hubValues?: Record<string, string> } = {}) {
    const keys = [Wallet.createRandom(), Wallet.createRandom()].map((w) => new Wallet(w.privateKey));
    const pool = new SignaturePool(redis, `${prefix}-${randomBytes(3).toString("hex")}`);
    const hub = hubOf(opts.hubValues ?? { "1:11": "1", "2:11": "1" });
    const verifier = new InferenceVerifier(hub);
    const { log, lines } = captureLogger();
    const attesters = new Attesters(keys, pool, verifier, log);
    const refused: string[] = [];
    attesters.onRefused = (chain, reason) => refused.push(`${chain}:${reason}`);
    const signers = opts.signers ? opts.signers(keys) : keys.map((k) => k.address);
    const target: AttestTarget = {
      name: "eth",
      chainId: 31337,
      oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      attesterSet: async () => ({ id: 3n, signers, threshold: 1 }),
      topics: [1, 2],
      maxBatchSize: 2,
      onchainNonce: (t) => (t === 2 ? 5n : undefined),
    };
    return { keys, pool, hub, attesters, refused, lines, target };
  }

  it("lists its keys' addresses", () => {
    const { attesters, keys } = setup();
    expect(attesters.addresses).to.deep.equal(keys.map((k) => k.address));
  });

  it("a hostile job: no digest, a hostile_job alert naming chain, job, reason and problem, and the callback", async () => {
    const { attesters, refused, lines, target } = setup();
    const out = await attesters.attest(target, [report(9, 11)], "job-9");
    expect(out).to.deep.equal({ digest: undefined, set: { id: 3n, signers: out.set.signers, threshold: 1 } });
    expect(refused).to.deep.equal(["eth:foreign_topic"]);
    const line = lines.find((l) => l.alert === "hostile_job");
    expect(line).to.include({ chain: "eth", jobId: "job-9", reason: "foreign_topic", problem: "topic 9 is not served by this relayer (hub.topics)", msg: "refusing to sign a batch this relayer would not build" });
  });

  it("a stale job: the digest but no signature, a warning naming the stale topics, no hub question", async () => {
    const { attesters, refused, lines, target, pool, hub, keys } = setup();
    const out = await attesters.attest(target, [report(1, 11), report(2, 5)], "job-s");
    expect(out.digest).to.equal(reportBatchDigest(31337, target.oracle, 3n, [
      { topicId: 1n, value: E18, nonce: 11n, timestamp: 1_700_000_000n },
      { topicId: 2n, value: E18, nonce: 5n, timestamp: 1_700_000_000n },
    ]));
    expect(await pool.has(out.digest!, keys[0].address)).to.equal(false);
    expect(refused).to.deep.equal(["eth:stale"]);
    expect(hub.asked).to.deep.equal([]);
    const line = lines.find((l) => l.reason === "stale");
    expect(line).to.include({ chain: "eth", jobId: "job-s", problem: "topics 2 are already on chain at that nonce or newer", msg: "refusing to sign a batch this relayer would not build" });
  });

  it("signs with every local key in the set and only those, once per digest", async () => {
    const { attesters, target, pool, keys, hub } = setup({ signers: (k) => [k[1].address] });
    const out = await attesters.attest(target, [report(1, 11), report(2, 11)], "job-ok");
    expect(await pool.has(out.digest!, keys[1].address)).to.equal(true);
    expect(await pool.has(out.digest!, keys[0].address)).to.equal(false);
    const asked = hub.asked.length;
    await pool.forget(out.digest!);
    // Signed already: not checked nor signed again (so the forgotten signature stays gone).
    await attesters.attest(target, [report(1, 11), report(2, 11)], "job-ok-again");
    expect(hub.asked.length).to.equal(asked);
    expect(await pool.has(out.digest!, keys[1].address)).to.equal(false);
  });

  it("a key outside the set signs nothing and asks nothing", async () => {
    const { attesters, target, hub } = setup({ signers: () => [Wallet.createRandom().address] });
    const out = await attesters.attest(target, [report(1, 11)], "job-x");
    expect(out.digest).to.be.a("string");
    expect(hub.asked).to.deep.equal([]);
  });

  it("a job the hub contradicts: no signature, an error naming the problem, remembered (the hub is not asked again)", async () => {
    const { attesters, target, pool, keys, hub, lines } = setup({ hubValues: { "1:11": "2" } });
    const out = await attesters.attest(target, [report(1, 11)], "job-lie");
    expect(await pool.has(out.digest!, keys[0].address)).to.equal(false);
    expect(lines.find((l) => l.msg === "refusing to sign a job that does not match the hub")).to.include({
      chain: "eth",
      jobId: "job-lie",
      problem: `topic 1 nonce 11: value ${E18} differs from the hub's ${2n * E18}`,
    });
    const asked = hub.asked.length;
    await attesters.attest(target, [report(1, 11)], "job-lie");
    expect(hub.asked.length).to.equal(asked);
  });

  it("a job whose synthesis does not add up: no signature, the callback and an error line; asked again next time", async () => {
    const { attesters, target, pool, keys, refused, lines } = setup();
    // The real guard; only the hub's answer (fetch) is given: a bundle whose combined value is not its parts' median.
    let fetches = 0;
    let honest = false;
    attesters.synthesis = new SynthesisGuard({
      modeOf: () => "strict",
      fetch: async () => (fetches++, material(honest)),
      log: captureLogger().log,
    });
    const out = await attesters.attest(target, [report(1, 11)], "job-syn");
    expect(await pool.has(out.digest!, keys[0].address)).to.equal(false);
    expect(refused).to.deep.equal(["eth:synthesis"]);
    expect(lines.find((l) => l.msg === "refusing to sign a job whose hub bundle does not add up")).to.include({
      chain: "eth",
      jobId: "job-syn",
      problem: "topic 1 nonce 11: combined_value: the hub says 16, its parts and regrets make 15",
    });
    expect(fetches).to.equal(1);
    // Not remembered as refused by the attesters: a later answer of the hub for that nonce is looked at again.
    honest = true;
    const guard = new SynthesisGuard({ modeOf: () => "strict", fetch: async () => material(honest), log: captureLogger().log });
    attesters.synthesis = guard;
    await attesters.attest(target, [report(1, 11)], "job-syn");
    expect(await pool.has(out.digest!, keys[0].address)).to.equal(true);
  });

  it("the digest covers chain, oracle, set and every report field (memoized by all of them)", async () => {
    const { attesters, target } = setup();
    const base = attesters.digest(target, 3n, [report(1, 11)]);
    expect(attesters.digest(target, 3n, [report(1, 11)])).to.equal(base);
    expect(attesters.digest({ ...target, chainId: 1 }, 3n, [report(1, 11)])).to.not.equal(base);
    expect(attesters.digest({ ...target, oracle: Wallet.createRandom().address }, 3n, [report(1, 11)])).to.not.equal(base);
    expect(attesters.digest(target, 4n, [report(1, 11)])).to.not.equal(base);
    expect(attesters.digest(target, 3n, [report(1, 11, { value: "5" })])).to.not.equal(base);
    expect(attesters.digest(target, 3n, [report(1, 11, { timestamp: 5 })])).to.not.equal(base);
  });
});

describe("relayer attest (mutation edges): synthesis check", () => {
  const zero = { value: new Dec(0), hasPrior: false };
  const params = { pNorm: new Dec(3), cNorm: new Dec("0.75"), epsilon: new Dec("0.0001") };
  const inputs = (workers: string[], over: Partial<SynthesisInputs> = {}): SynthesisInputs => ({
    params,
    initialRegret: new Dec(0),
    regretScale: new Dec(0),
    inferer: new Map(workers.map((w) => [w, zero])),
    forecaster: new Map(),
    naiveInferer: new Map(workers.map((w) => [w, zero])),
    ...over,
  });
  const bundle = (values: Record<string, string>, combined: string, naive = "0", forecasters: { worker: string; value: string }[] = []): BundleParts => ({
    combinedValue: combined,
    naiveValue: naive,
    infererValues: Object.entries(values).map(([worker, value]) => ({ worker, value })),
    forecasterValues: forecasters,
  });

  it("agrees within the tolerance of the larger magnitude, and of 1 near zero", () => {
    expect(agrees(new Dec("0.5"), new Dec(1_000_000), new Dec(1))).to.equal(true);
    expect(agrees(new Dec(1_000_000), new Dec("0.5"), new Dec(1))).to.equal(true);
    expect(agrees(new Dec(1_000_000), new Dec(1_000_001), new Dec("0.001"))).to.equal(true);
    expect(agrees(new Dec(1_000_000), new Dec(1_002_001), new Dec("0.001"))).to.equal(false);
    expect(agrees(new Dec(0), new Dec("1e-21"))).to.equal(true);
    expect(agrees(new Dec(0), new Dec("2e-20"))).to.equal(false);
  });

  it("an unreadable or repeated part is the part that does not add up", () => {
    const v = checkBundle(bundle({ a: "x", b: "20" }, "15"), inputs(["a", "b"]));
    expect(v.ok).to.equal(false);
    if (v.ok) return;
    expect([v.part, v.hub, v.ours]).to.deep.equal(["inferer_values[a]", "x", ""]);
    expect(v.problem.startsWith("inferer_values[a] is not a decimal: ")).to.equal(true);
    const twice = { ...bundle({ a: "10" }, "10"), infererValues: [{ worker: "a", value: "10" }, { worker: "a", value: "11" }] };
    expect(checkBundle(twice, inputs(["a"]))).to.deep.equal({ ok: false, part: "inferer_values[a]", hub: "11", ours: "", problem: "inferer_values lists a twice" });
    const fc = checkBundle(bundle({ a: "10", b: "20" }, "15", "0", [{ worker: "f", value: "y" }]), inputs(["a", "b"]));
    expect(fc.ok === false && fc.part).to.equal("forecaster_values[f]");
    expect(checkBundle(bundle({}, "1"), inputs([]))).to.deep.equal({ ok: false, part: "inferer_values", hub: "", ours: "", problem: "the bundle has no inferer values to make a combined value from" });
  });

  it("an unreadable published value is named with what the parts make", () => {
    const v = checkBundle(bundle({ a: "10", b: "20" }, "abc"), inputs(["a", "b"]));
    expect(v.ok === false && [v.part, v.hub, v.ours]).to.deep.equal(["combined_value", "abc", "15"]);
    expect(v.ok === false && v.problem.startsWith("combined_value is not a decimal: ")).to.equal(true);
    const n = checkBundle(bundle({ a: "10", b: "20" }, "15", "zz"), inputs(["a", "b"]));
    expect(n.ok === false && [n.part, n.hub, n.ours]).to.deep.equal(["naive_value", "zz", "0"]);
  });

  it("a regret the caller did not fetch is named (combined, forecaster, naive)", () => {
    const missing = (over: Partial<SynthesisInputs>, fc: { worker: string; value: string }[] = []) => {
      const v = checkBundle(bundle({ a: "10", b: "20" }, "15", "0", fc), inputs(["a", "b"], over));
      return v.ok ? "ok" : `${v.part}|${v.hub}|${v.problem}`;
    };
    expect(missing({ inferer: new Map([["a", zero]]) })).to.equal("inferer regret||no inferer regret of b was fetched (a bug in the caller)");
    expect(missing({ naiveInferer: new Map([["a", zero]]) })).to.equal("naive inferer regret||no naive inferer regret of b was fetched (a bug in the caller)");
    expect(missing({}, [{ worker: "f", value: "12" }])).to.equal("forecaster regret||no forecaster regret of f was fetched (a bug in the caller)");
  });

  it("one inferer: its value is both the combined and the naive value", () => {
    expect(checkBundle(bundle({ a: "7" }, "7", "7"), inputs(["a"]))).to.deep.equal({ ok: true, combined: "7", naive: "7" });
  });

  it("a stored regret means weights, not the first epoch's median, even with no cached scale", () => {
    const prior = (x: string) => ({ value: new Dec(x), hasPrior: true });
    const regrets = new Map([["a", prior("1")], ["b", prior("-1")], ["c", prior("0")]]);
    const r = rederive(bundle({ a: "10", b: "20", c: "60" }, "0"), inputs(["a", "b", "c"], { inferer: regrets, naiveInferer: regrets, initialRegret: new Dec(1) }));
    expect(r.combined.eq(new Dec(20))).to.equal(false);
    expect(r.combined.gt(new Dec(10)) && r.combined.lt(new Dec(60))).to.equal(true);
    expect(r.naive.isZero()).to.equal(false);
  });

  it("v0.5 rules combine differently from the current ones on the same parts", () => {
    const prior = (x: string) => ({ value: new Dec(x), hasPrior: true });
    const regrets = new Map([["a", prior("1")], ["b", prior("-1")], ["c", prior("0")]]);
    const parts = bundle({ a: "10", b: "20", c: "60" }, "0");
    const base = inputs(["a", "b", "c"], { inferer: regrets, naiveInferer: regrets, initialRegret: new Dec(1), regretScale: new Dec("0.5") });
    const current = rederive(parts, base);
    const old = rederive(parts, { ...base, params: { ...params, chainVersion: "v0.5" } });
    expect(old.combined.eq(current.combined)).to.equal(false);
  });

  it("an error that is not about a part is thrown, not turned into a verdict", () => {
    const failing = { get: () => { throw new TypeError("regret table unreadable"); } } as unknown as ReadonlyMap<string, { value: Dec; hasPrior: boolean }>;
    expect(() => checkBundle(bundle({ a: "10", b: "20" }, "15"), inputs(["a", "b"], { inferer: failing }))).to.throw(TypeError, "regret table unreadable");
  });
});

const inf0 = (topicId: number, nonce: number) => ({ topicId, nonce: BigInt(nonce), raw: "15", value: 15n, timestamp: 0 });

describe("relayer attest (mutation edges): synthesis guard", () => {
  function guardOf(bad: Set<string>, down = new Set<string>()) {
    const { log, lines } = captureLogger();
    const events: string[] = [];
    const guard = new SynthesisGuard({
      modeOf: () => "strict",
      fetch: async (t, n) => {
        if (down.has(`${t}:${n}`)) throw new Error("connection refused");
        return material(!bad.has(`${t}:${n}`));
      },
      log,
      onMismatch: (t) => events.push(`mismatch ${t}`),
      onHeld: (c, t, h) => events.push(`${h ? "held" : "released"} ${c} ${t}`),
    });
    return { guard, lines, events };
  }

  it("says what it could not fetch, and a mismatch in an alert line and the callback", async () => {
    const { guard, lines, events } = guardOf(new Set(["1:10"]), new Set(["2:10"]));
    expect(await guard.verdict(2, 10n)).to.deep.equal({ status: "unavailable", error: "connection refused" });
    expect(lines.find((l) => l.msg === "synthesis check: could not fetch the bundle and regrets at that height")).to.include({ topicId: 2, nonce: "10", err: "connection refused" });
    const v = await guard.verdict(1, 10n);
    expect(v.status).to.equal("mismatch");
    expect(events).to.deep.equal(["mismatch 1"]);
    expect(lines.find((l) => l.alert === "synthesis_mismatch")?.msg).to.equal("the hub's bundle does not add up: combined_value: the hub says 16, its parts and regrets make 15");
  });

  it("holds once per chain and topic with a warning; an older nonce that agrees does not release it; a newer one does, with a line", async () => {
    const { guard, lines, events } = guardOf(new Set(["1:10", "1:11"]));
    await guard.decide("eth", 1, 10n);
    await guard.decide("eth", 1, 11n);
    expect(lines.filter((l) => l.msg === "topic held on this chain until the hub and the attester agree again")).to.have.length(1);
    expect(lines.find((l) => l.msg === "topic held on this chain until the hub and the attester agree again")).to.include({ chain: "eth", topicId: 1, nonce: "10" });
    expect(await guard.decide("eth", 1, 9n)).to.equal(undefined);
    expect(guard.isHeld("eth", 1)).to.equal(true);
    await guard.decide("eth", 1, 12n);
    expect(guard.isHeld("eth", 1)).to.equal(false);
    expect(lines.find((l) => l.msg === "the hub and the attester agree again; topic released")).to.include({ chain: "eth", topicId: 1, nonce: "12", heldSince: "11" });
    expect(events).to.deep.equal(["mismatch 1", "held eth 1", "mismatch 1", "released eth 1"]);
  });

  it("works without the callbacks, and measures each check's CPU time in seconds", async () => {
    const seconds: number[] = [];
    const guard = new SynthesisGuard({ modeOf: () => "strict", fetch: async (_t, n) => material(n !== 10n), log: captureLogger().log, onChecked: (_t, s) => seconds.push(s) });
    expect(await guard.decide("eth", 1, 10n)).to.be.a("string");
    expect(await guard.decide("eth", 1, 11n)).to.equal(undefined);
    expect(guard.isHeld("eth", 1)).to.equal(false);
    expect(seconds).to.have.length(2);
    for (const s of seconds) expect(s >= 0 && s < 60, `${s} s`).to.equal(true);
  });

  it("admits an inference only when every chain may take it; a job's problem is found in any report", async () => {
    const { guard } = guardOf(new Set(["1:10"]));
    expect((await guard.admit([], [inf0(2, 10)])).map((i) => i.topicId)).to.deep.equal([2]);
    const inf = (topicId: number, nonce: number) => ({ topicId, nonce: BigInt(nonce), raw: "15", value: 15n, timestamp: 0 });
    expect((await guard.admit(["eth", "bnb"], [inf(2, 10), inf(1, 10), inf(3, 10)])).map((i) => i.topicId)).to.deep.equal([2, 3]);
    expect(await guard.checkJob("eth", [report(2, 10), report(1, 10)])).to.equal("topic 1 nonce 10: combined_value: the hub says 16, its parts and regrets make 15");
    expect(await guard.checkJob("eth", [report(2, 10), report(3, 10)])).to.equal(undefined);
  });
});
