/**
 * The pure checks behind the hostile-Redis defences: job data against config and chain view
 * (policy/job-check.ts), journal entries against their signed bytes (submit/journal-check.ts), the
 * hourly spend budget (submit/budget.ts) and the oracle job's "same work" test (evm/oracle.ts).
 */
import { expect } from "chai";
import { HDNodeWallet, Transaction, Wallet, keccak256, parseUnits } from "ethers";
import { checkJobReports, JobRules } from "../../relayer/policy/job-check";
import { checkJournalEntry, EntryRules } from "../../relayer/submit/journal-check";
import { SpendBudget } from "../../relayer/submit/budget";
import { oracleSubmitIntent, oracleSubmitWork } from "../../relayer/evm/oracle";
import { packReports } from "../../lib/eip712/oracle";
import { JobReport } from "../../relayer/queue/jobs";
import { Attesters, AttestTarget } from "../../relayer/attest/attester";
import { SignaturePool } from "../../relayer/attest/pool";
import { InferenceVerifier } from "../../relayer/attest/verifier";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import pino from "pino";

const report = (topicId: number, nonce: number, over: Partial<JobReport> = {}): JobReport => ({ topicId, nonce: String(nonce), value: "1000000000000000000", timestamp: 1_700_000_000, paid: "0", ...over });

describe("relayer submit checks (pure)", () => {
  describe("checkJobReports", () => {
    const onchain = new Map<number, bigint>([[1, 10n]]);
    const rules: JobRules = { topics: [1, 2, 3], maxBatchSize: 3, onchainNonce: (t) => onchain.get(t) };

    it("splits fresh from stale reports of served topics", () => {
      const c = checkJobReports([report(1, 10), report(2, 5), report(3, 1)], rules);
      expect(c.ok).to.equal(true);
      if (!c.ok) return;
      expect(c.stale.map((r) => r.topicId)).to.deep.equal([1]);
      expect(c.fresh.map((r) => r.topicId)).to.deep.equal([2, 3]);
    });

    it("refuses what the scheduler never builds, naming the problem", () => {
      const refused = (reports: unknown) => {
        const c = checkJobReports(reports, rules);
        return c.ok ? "ok" : `${c.reason}: ${c.problem}`;
      };
      expect(refused([report(4, 11)])).to.equal("foreign_topic: topic 4 is not served by this relayer (hub.topics)");
      expect(refused([report(2, 11), report(2, 12)])).to.equal("duplicate_topic: topic 2 appears more than once");
      expect(refused([report(1, 11), report(2, 11), report(3, 11), report(1, 12)])).to.equal("oversize: 4 reports, more than maxBatchSize 3");
      expect(refused([])).to.match(/^malformed: the job has no reports list/);
      expect(refused("x")).to.match(/^malformed/);
      expect(refused([report(1, 11, { nonce: "0x10" })])).to.match(/^malformed: report 0: nonce 0x10 is not a uint64/);
      expect(refused([report(1, 11, { nonce: String(1n << 64n) })])).to.match(/^malformed: report 0: nonce/);
      expect(refused([report(1, 11, { value: String(1n << 255n) })])).to.equal("malformed: report 0: value is not an int256");
      expect(refused([report(1, 11, { value: "1e18" })])).to.match(/^malformed/);
      expect(refused([report(1, 11, { timestamp: 1.5 })])).to.match(/^malformed: report 0: timestamp/);
      expect(refused([report(1, 11, { paid: "-1" })])).to.match(/^malformed: report 0: paid/);
      expect(refused([{ ...report(1, 11), topicId: "1" }])).to.match(/^malformed: report 0: topicId/);
      expect(refused([null])).to.equal("malformed: report 0 is not an object");
      expect(refused([report(1, 11, { value: String(-(1n << 255n)) })])).to.equal("ok");
    });
  });

  describe("checkJournalEntry", () => {
    const us = Wallet.createRandom();
    const them = Wallet.createRandom();
    const oracle = Wallet.createRandom().address;
    const packed = packReports([{ topicId: 1n, value: 5n, nonce: 11n, timestamp: 1_700_000_000n }]);
    const intent = oracleSubmitIntent(oracle, packed, "0x" + "11".repeat(65));
    const rules: EntryRules = { chainId: 31337, self: us.address, work: oracleSubmitWork(oracle, packed), maxGasPerTx: 2_000_000n, maxOwnNonce: 7, now: 1_000_000 };
    const signed = async (w: Wallet | HDNodeWallet, over: Record<string, unknown> = {}) => {
      const raw = await w.signTransaction(
        Transaction.from({ to: oracle, data: intent.data, nonce: 5, gasLimit: 300_000n, chainId: 31337n, type: 2, maxFeePerGas: parseUnits("2", "gwei"), maxPriorityFeePerGas: parseUnits("1", "gwei"), value: 0n, ...over }),
      );
      // the entry's own fields lie: only the raw bytes count
      return { hash: keccak256(raw), from: us.address, nonce: 99, raw, fees: { type: "2", maxFeePerGas: "420000000000", maxPriorityFeePerGas: "1" }, sentAt: 5_000_000 };
    };
    const reason = async (entry: unknown) => {
      const c = checkJournalEntry(entry, rules);
      return c.ok ? "ok" : c.reason;
    };

    it("accepts our transaction with values decoded from its bytes, not from the entry", async () => {
      const c = checkJournalEntry(await signed(us), rules);
      expect(c.ok).to.equal(true);
      if (!c.ok) return;
      expect(c.tx).to.deep.include({ own: true, nonce: 5, gasLimit: 300_000n, sentAt: 1_000_000 });
      expect(c.tx.fees).to.deep.equal({ type: 2, maxFeePerGas: parseUnits("2", "gwei"), maxPriorityFeePerGas: parseUnits("1", "gwei") });
      // the same reports with other signatures are the same work
      const other = await signed(us, { data: oracleSubmitIntent(oracle, packed, "0x" + "22".repeat(130)).data });
      expect(await reason(other)).to.equal("ok");
      // another key's transaction doing the same work is accepted as foreign (its nonce is its own business)
      const foreign = checkJournalEntry(await signed(them, { nonce: 1_000 }), rules);
      expect(foreign.ok && foreign.tx.own).to.equal(false);
    });

    it("rejects entries whose bytes do not back them", async () => {
      const good = await signed(us);
      expect(await reason({ ...good, raw: "0x02deadbeef" })).to.equal("undecodable");
      expect(await reason({ hash: good.hash })).to.equal("undecodable");
      expect(await reason(null)).to.equal("undecodable");
      expect(await reason({ ...good, hash: keccak256("0x01") })).to.equal("hash");
      expect(await reason(await signed(us, { chainId: 1n }))).to.equal("chain_id");
      expect(await reason(await signed(us, { to: them.address }))).to.equal("target");
      expect(await reason(await signed(us, { value: 1n }))).to.equal("value");
      expect(await reason(await signed(us, { data: "0x" }))).to.equal("work");
      const otherReports = packReports([{ topicId: 1n, value: 6n, nonce: 11n, timestamp: 1_700_000_000n }]);
      expect(await reason(await signed(us, { data: oracleSubmitIntent(oracle, otherReports, "0x").data }))).to.equal("work");
      expect(await reason(await signed(us, { gasLimit: 29_000_000n }))).to.equal("gas_cap");
      expect(await reason(await signed(us, { nonce: 8 }))).to.equal("nonce");
      const unsigned = Transaction.from({ to: oracle, data: intent.data, nonce: 5, gasLimit: 300_000n, chainId: 31337n, type: 2, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }).unsignedSerialized;
      expect(await reason({ hash: keccak256(unsigned), raw: unsigned })).to.equal("undecodable");
    });
  });

  describe("SpendBudget", () => {
    it("counts each receipt once over a sliding hour and refuses what would exceed the budget", () => {
      let now = 0;
      const b = new SpendBudget(100n, () => now);
      expect(b.allows(100n)).to.equal(true);
      expect(b.allows(101n)).to.equal(false);
      b.record("0xa", 60n);
      b.record("0xa", 60n); // the same receipt seen by a second attempt
      expect(b.spentLastHour()).to.equal(60n);
      expect(b.allows(40n)).to.equal(true);
      expect(b.allows(41n)).to.equal(false);
      now = 1_800_000;
      b.record("0xb", 30n);
      expect(b.allows(11n)).to.equal(false);
      now = 3_600_001; // the first fee left the window
      expect(b.spentLastHour()).to.equal(30n);
      expect(b.allows(70n)).to.equal(true);
    });
  });

  describe("Attesters (real Redis signature pool)", () => {
    it("sign a true batch of served, fresh topics, and nothing for a foreign, duplicated, oversize or stale one", async () => {
      const redis = new IORedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
      const prefix = `test-attest-rules-${randomBytes(5).toString("hex")}`;
      try {
        const key = new Wallet(Wallet.createRandom().privateKey);
        const pool = new SignaturePool(redis, prefix);
        // every value below is TRUE for the verifier (remembered as seen on the hub): only the rules can refuse
        const verifier = new InferenceVerifier({ valueAt: async () => expect.fail("no hub lookups"), blockTime: async () => expect.fail("no hub lookups") });
        for (const t of [1, 2, 9]) for (const n of [5, 11]) verifier.remember(t, BigInt(n), 10n ** 18n, 1_700_000_000);
        const attesters = new Attesters([key], pool, verifier, pino({ level: "silent" }));
        const refused: string[] = [];
        attesters.onRefused = (_chain, reason) => refused.push(reason);
        const target: AttestTarget = {
          name: "eth",
          chainId: 31337,
          oracle: Wallet.createRandom().address,
          attesterSet: async () => ({ id: 1n, signers: [key.address], threshold: 1 }),
          topics: [1, 2],
          maxBatchSize: 2,
          onchainNonce: (t) => (t === 2 ? 5n : undefined),
        };
        const signedFor = async (reports: JobReport[]) => {
          const { digest } = await attesters.attest(target, reports, "job");
          return digest !== undefined && (await pool.has(digest, key.address));
        };
        expect(await signedFor([report(9, 11)]), "foreign topic").to.equal(false);
        expect(await signedFor([report(1, 11), report(1, 11)]), "duplicate").to.equal(false);
        expect(await signedFor([report(1, 11), report(2, 11), report(1, 5)]), "oversize").to.equal(false);
        expect(await signedFor([report(1, 11), report(2, 5)]), "stale topic 2").to.equal(false);
        expect(refused).to.deep.equal(["foreign_topic", "duplicate_topic", "oversize", "stale"]);
        expect(await signedFor([report(1, 11), report(2, 11)]), "a batch the scheduler builds").to.equal(true);
      } finally {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    });
  });
});
