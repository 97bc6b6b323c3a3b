/**
 * The submit parts the `relayer-submit` mutation area found untested (pure, no node): how node errors are
 * classified (each client's wording), the sequencer's turn order, contract intents, and the journal check's
 * texts and type-0 fees. sender.mutation.test.ts drives the sender itself on a Hardhat node.
 */
import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import { HDNodeWallet, Transaction, Wallet, keccak256, parseUnits } from "ethers";
import {
  isAlreadyKnown,
  isInsufficientFunds,
  isNonceTooLow,
  isUnderpriced,
} from "../../relayer/submit/node-errors";
import { Sequencer } from "../../relayer/submit/sequencer";
import { contractIntent, exactIntent } from "../../relayer/submit/intent";
import { checkJournalEntry, EntryRules } from "../../relayer/submit/journal-check";
import { SpendBudget } from "../../relayer/submit/budget";

const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe("relayer submit: pure parts (mutation tests)", () => {
  describe("node errors", () => {
    it("insufficient funds: ethers' code, geth's and Hardhat's wording; nothing else", () => {
      expect(isInsufficientFunds(error("whatever", "INSUFFICIENT_FUNDS"))).to.equal(true);
      expect(isInsufficientFunds(error("insufficient funds for gas * price + value"))).to.equal(true);
      expect(
        isInsufficientFunds(error("Sender doesn't have enough funds to send tx. The max upfront cost is: 1")),
      ).to.equal(true);
      expect(isInsufficientFunds(error("account has not enough funds"))).to.equal(true);
      expect(isInsufficientFunds(error("nonce too low", "NONCE_EXPIRED"))).to.equal(false);
      expect(isInsufficientFunds(undefined)).to.equal(false);
      expect(isInsufficientFunds({})).to.equal(false);
    });

    it("nonce too low: ethers' code, geth's and Hardhat's wording; nothing else", () => {
      expect(isNonceTooLow(error("x", "NONCE_EXPIRED"))).to.equal(true);
      expect(isNonceTooLow(error("nonce too low: next nonce 5, tx nonce 3"))).to.equal(true);
      expect(isNonceTooLow(error("Nonce too low. Expected nonce to be 5 but got 3."))).to.equal(true);
      expect(isNonceTooLow(error("nonce has already been used"))).to.equal(true);
      expect(isNonceTooLow(error("the nonce was already been used"))).to.equal(true);
      expect(isNonceTooLow(error("replacement transaction underpriced", "REPLACEMENT_UNDERPRICED"))).to.equal(
        false,
      );
      expect(isNonceTooLow(error("nonce too high"))).to.equal(false);
      expect(isNonceTooLow(undefined)).to.equal(false);
      expect(isNonceTooLow({ code: "OTHER" })).to.equal(false);
    });

    it("already known: geth's, Hardhat's and Besu's wording; nothing else", () => {
      expect(isAlreadyKnown(error("already known"))).to.equal(true);
      expect(isAlreadyKnown(error("Known transaction: 0xabc"))).to.equal(true);
      expect(isAlreadyKnown(error("Transaction already imported"))).to.equal(true);
      expect(isAlreadyKnown(error("nonce too low"))).to.equal(false);
      expect(isAlreadyKnown(undefined)).to.equal(false);
    });

    it("underpriced: ethers' code, geth's and erigon's wording; nothing else", () => {
      expect(isUnderpriced(error("x", "REPLACEMENT_UNDERPRICED"))).to.equal(true);
      expect(isUnderpriced(error("replacement transaction underpriced"))).to.equal(true);
      expect(isUnderpriced(error("transaction underpriced: tip needed 1, tip permitted 0"))).to.equal(true);
      expect(isUnderpriced(error("fee too low"))).to.equal(true);
      expect(
        isUnderpriced(
          error("Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 2 is necessary"),
        ),
      ).to.equal(true);
      expect(isUnderpriced(error("insufficient funds", "INSUFFICIENT_FUNDS"))).to.equal(false);
      expect(isUnderpriced(undefined)).to.equal(false);
      expect(isUnderpriced({ code: "OTHER", message: "nonce too low" })).to.equal(false);
    });
  });

  describe("Sequencer", () => {
    it("turns are ready in the order they were entered, each once the one before is done", async () => {
      const seq = new Sequencer();
      const order: string[] = [];
      const a = seq.enter();
      const b = seq.enter();
      const c = seq.enter();
      void b.ready.then(() => order.push("b"));
      void c.ready.then(() => order.push("c"));
      await a.ready;
      order.push("a");
      await new Promise((r) => setImmediate(r));
      expect(order, "nothing after a before a is done").to.deep.equal(["a"]);
      a.done();
      a.done(); // idempotent: does not hand b's turn on as well
      await new Promise((r) => setImmediate(r));
      expect(order).to.deep.equal(["a", "b"]);
      b.done();
      await c.ready;
      expect(order).to.deep.equal(["a", "b", "c"]);
      // a turn entered after every earlier one is done is ready at once
      c.done();
      const d = seq.enter();
      let ready = false;
      void d.ready.then(() => (ready = true));
      await new Promise((r) => setImmediate(r));
      expect(ready).to.equal(true);
    });
  });

  describe("SpendBudget", () => {
    it("a fee leaves the window exactly one hour after it was paid", () => {
      let now = 0;
      const b = new SpendBudget(100n, () => now);
      b.record("0xa", 60n);
      now = 3_599_999;
      expect(b.spentLastHour()).to.equal(60n);
      now = 3_600_000;
      expect(b.spentLastHour()).to.equal(0n);
      b.record("0xa", 60n); // forgotten with its window: a receipt read again later counts again
      expect(b.spentLastHour()).to.equal(60n);
    });
  });

  describe("intents", () => {
    it("a contract intent is an exact intent that asks for code at the target", () => {
      const to = Wallet.createRandom().address;
      const plain = exactIntent(to, "0xAbCd");
      const onContract = contractIntent(to, "0xAbCd");
      expect(plain.contract).to.equal(undefined);
      expect(onContract).to.deep.include({ to, data: "0xAbCd", contract: true });
      expect(onContract.sameWork("0xabcd")).to.equal(true);
      expect(onContract.sameWork("0xabce")).to.equal(false);
    });
  });

  describe("checkJournalEntry: texts and legacy fees", () => {
    const us = Wallet.createRandom();
    const target = Wallet.createRandom().address;
    const work = exactIntent(target, "0x1234");
    const rules: EntryRules = {
      chainId: 31337,
      self: us.address,
      work,
      maxGasPerTx: 2_000_000n,
      maxOwnNonce: 7,
      now: 1_000_000,
    };
    const entry = async (w: Wallet | HDNodeWallet, over: Record<string, unknown>) => {
      const raw = await w.signTransaction(
        Transaction.from({
          to: target,
          data: "0x1234",
          nonce: 5,
          gasLimit: 300_000n,
          chainId: 31337n,
          value: 0n,
          ...over,
        }),
      );
      return { hash: keccak256(raw), raw, sentAt: 5 };
    };
    const problem = async (e: unknown) => {
      const c = checkJournalEntry(e, rules);
      return c.ok ? "ok" : `${c.reason}: ${c.detail}`;
    };

    it("a legacy (type 0) transaction's fee is its gas price", async () => {
      const c = checkJournalEntry(await entry(us, { type: 0, gasPrice: parseUnits("3", "gwei") }), rules);
      expect(c.ok && c.tx.fees).to.deep.equal({ type: 0, gasPrice: parseUnits("3", "gwei") });
      expect(c.ok && c.tx.sentAt, "a sentAt in the past is kept").to.equal(5);
    });

    it("names each problem of the bytes: unsigned, undecodable (the decoder's first line, cut at 120 characters)", async () => {
      // Fresh bytes on every run: decodes are remembered by their bytes for the life of the process (a mutation
      // run re-runs this test in one process, where a remembered answer would hide a mutant of the decoder).
      const nonce = randomInt(1_000_000);
      const unsigned = Transaction.from({ to: target, data: "0x1234", nonce, gasLimit: 300_000n, chainId: 31337n, type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n }).unsignedSerialized;
      expect(await problem({ hash: keccak256(unsigned), raw: unsigned })).to.equal("undecodable: the raw transaction is not signed");
      const garbage = "0x02" + randomBytes(60).toString("hex");
      let decoderSays = "";
      try {
        Transaction.from(garbage);
      } catch (e) {
        decoderSays = (e as Error).message.split("\n")[0];
      }
      expect(decoderSays.length).to.be.above(120);
      expect(await problem({ hash: keccak256(garbage), raw: garbage })).to.equal(`undecodable: the raw transaction does not decode: ${decoderSays.slice(0, 120)}`);
    });

    it("names what does not match the job: hash (the entry's, shortened), chain id, value, gas limit", async () => {
      const good = await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
      const longHash = "0x" + "12".repeat(40);
      expect(await problem({ ...good, hash: longHash })).to.equal(`hash: the entry names hash ${longHash.slice(0, 66)}, its raw transaction hashes to ${good.hash}`);
      expect(await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, chainId: 5n }))).to.equal("chain_id: signed for chain id 5, this chain is 31337");
      expect(await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, value: 7n }))).to.equal("value: carries value 7");
      expect(await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, gasLimit: 2_000_001n }))).to.equal(
        "gas_cap: gas limit 2000001 is above maxGasPerTx 2000000",
      );
    });

    it("names each problem", async () => {
      expect(await problem({ raw: 5 })).to.equal("undecodable: the entry has no raw transaction or hash");
      expect(await problem(await entry(us, { type: 1, gasPrice: 1n }))).to.equal(
        "undecodable: transaction type 1 is not one this relayer signs",
      );
      const other = Wallet.createRandom().address;
      expect(
        await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, to: other })),
      ).to.equal(`target: sent to ${other}, not to ${target}`);
      expect(
        await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, data: "0x12" })),
      ).to.equal("work: its calldata is not this job's work");
      expect(
        await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, nonce: 8 })),
      ).to.equal("nonce: nonce 8 is beyond any this key can have used (at most 7)");
      expect(
        await problem(await entry(us, { type: 2, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, nonce: 7 })),
      ).to.equal("ok");
    });
  });
});
