/**
 * The delivery batcher's decisions: which ready deliveries share a transaction, how many transactions are in
 * flight, where the batch transaction is journaled, and what each member is told when the batch does not
 * simulate (send singly) or fails otherwise (retry). The submitter here records what it is asked to send and
 * answers like TxSender does; the chain-side behaviour of a batch (duplicates no-ops, one bad signature
 * reverting all) is in test/contracts/bridge/AlloraBridge.batch.test.ts and the e2e transfer tests.
 */
import { expect } from "chai";
import pino from "pino";
import { TransactionReceipt, ZeroAddress, getAddress, type Provider } from "ethers";
import { batchJournal, DeliveryBatcher, multicallData, SEND_SINGLY, type BatchSender } from "../../../relayer/transfer/batcher";
import { bridgeInterface, deliverIntent, deliversTransfer } from "../../../relayer/transfer/deliver";
import type { Journal, SentTx } from "../../../relayer/submit/sender";
import type { TxIntent } from "../../../relayer/submit/intent";

const log = pino({ level: "silent" });
const BRIDGE = getAddress("0x00000000000000000000000000000000000000aa");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const deliver = (sequence: number, sigs = "0x01") =>
  bridgeInterface.encodeFunctionData("deliver", [5n, `0x${"11".repeat(32)}`, BigInt(sequence), getAddress(`0x${sequence.toString(16).padStart(40, "0")}`), 10n, sigs]);

function memoryJournal(): Journal & { list: SentTx[] } {
  const list: SentTx[] = [];
  return { list, entries: () => list, record: async (tx) => void list.push(tx) };
}

function receipt(hash: string): TransactionReceipt {
  return new TransactionReceipt(
    { to: BRIDGE, from: ZeroAddress, contractAddress: null, hash, index: 0, blockHash: `0x${"00".repeat(32)}`, blockNumber: 1, logsBloom: "0x", logs: [], gasUsed: 1n, cumulativeGasUsed: 1n, effectiveGasPrice: 1n, type: 2, status: 1, root: null, gasPrice: 1n, blobGasUsed: null, blobGasPrice: null },
    {} as Provider,
  );
}

class Revert extends Error {}

/** Records each send; `answer` decides what it does (default: mined after `ms`). */
function recordingSender(answer: (intent: TxIntent, n: number) => Promise<TransactionReceipt>) {
  const sent: { calls: string[]; journal: Journal }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sender: BatchSender = {
    send: async (intent, journal) => {
      const calls = bridgeInterface.decodeFunctionData("multicall", intent.data)[0] as string[];
      const n = sent.push({ calls, journal });
      await journal.record({ hash: `0x${n.toString(16).padStart(64, "0")}`, from: ZeroAddress, nonce: n, raw: "0x", fees: {}, sentAt: Date.now() });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await answer(intent, n);
      } finally {
        inFlight--;
      }
    },
    isRevert: (e) => e instanceof Revert,
  };
  return { sender, sent, maxInFlight: () => maxInFlight };
}

describe("relayer transfer: delivery batcher", function () {
  it("groups ready deliveries up to the cap, keeps at most maxInFlight batches, journals the batch tx in every member", async () => {
    const rec = recordingSender(async (_i, n) => (await sleep(80), receipt(`0x${n.toString(16).padStart(64, "0")}`)));
    const b = new DeliveryBatcher({ chain: "x", bridge: BRIDGE, cap: 4, maxInFlight: 2, sender: rec.sender, log, lingerMs: 20 });
    const journals = Array.from({ length: 11 }, () => memoryJournal());
    const results = await Promise.all(journals.map((j, i) => b.submit(deliver(i + 1), j)));
    // 11 deliveries: two batches of 4 at once (linger collected them), then the remaining 3 once one is mined
    expect(rec.sent.map((s) => s.calls.length)).to.deep.equal([4, 4, 3]);
    expect(rec.maxInFlight()).to.equal(2);
    expect(rec.sent.flatMap((s) => s.calls)).to.deep.equal(journals.map((_, i) => deliver(i + 1)));
    for (const [i, r] of results.entries()) {
      expect(r).not.to.equal(SEND_SINGLY);
      const batchNo = Math.floor(i / 4) + 1;
      expect((r as TransactionReceipt).hash).to.equal(`0x${batchNo.toString(16).padStart(64, "0")}`);
      // each member's journal holds its batch's transaction (written before the broadcast)
      expect(journals[i].list.map((t) => t.hash)).to.deep.equal([(r as TransactionReceipt).hash]);
    }
  });

  it("frees a batch's slot when it is mined: the next batch goes out while the first waits for its confirmations", async () => {
    const events: string[] = [];
    const sender: BatchSender = {
      send: async (intent, journal, onMined) => {
        const n = (bridgeInterface.decodeFunctionData("multicall", intent.data)[0] as string[]).length;
        const id = events.filter((e) => e.startsWith("sent")).length + 1;
        events.push(`sent ${id} (${n})`);
        await journal.record({ hash: `0x${id.toString(16).padStart(64, "0")}`, from: ZeroAddress, nonce: id, raw: "0x", fees: {}, sentAt: Date.now() });
        await sleep(20);
        events.push(`mined ${id}`);
        onMined?.();
        await sleep(150); // the confirmations
        events.push(`settled ${id}`);
        return receipt(`0x${id.toString(16).padStart(64, "0")}`);
      },
      isRevert: () => false,
    };
    const b = new DeliveryBatcher({ chain: "x", bridge: BRIDGE, cap: 2, maxInFlight: 1, sender, log, lingerMs: 5 });
    await Promise.all([1, 2, 3, 4].map((s) => b.submit(deliver(s), memoryJournal())));
    expect(events).to.deep.equal(["sent 1 (2)", "mined 1", "sent 2 (2)", "mined 2", "settled 1", "settled 2"]);
  });

  it("sends every member singly when the batch does not simulate; a lone delivery keeps its error", async () => {
    const rec = recordingSender(async () => {
      throw new Revert("InvalidSignature(1)");
    });
    const b = new DeliveryBatcher({ chain: "x", bridge: BRIDGE, cap: 8, maxInFlight: 1, sender: rec.sender, log, lingerMs: 20 });
    const out = await Promise.all([1, 2, 3].map((s) => b.submit(deliver(s), memoryJournal())));
    expect(out).to.deep.equal([SEND_SINGLY, SEND_SINGLY, SEND_SINGLY]);
    let caught: unknown;
    await b.submit(deliver(4), memoryJournal()).catch((e) => (caught = e));
    expect(caught).to.be.instanceOf(Revert);
  });

  it("fails every member on any other error (the job retries and resumes from its journal)", async () => {
    const rec = recordingSender(async () => {
      throw new Error("no receipt for nonce 7 after 60000 ms (will resume from the journal)");
    });
    const b = new DeliveryBatcher({ chain: "x", bridge: BRIDGE, cap: 8, maxInFlight: 1, sender: rec.sender, log, lingerMs: 20 });
    const journals = [memoryJournal(), memoryJournal()];
    const out = await Promise.allSettled(journals.map((j, i) => b.submit(deliver(i + 1), j)));
    expect(out.map((o) => o.status)).to.deep.equal(["rejected", "rejected"]);
    for (const j of journals) expect(j.list).to.have.length(1);
  });

  it("hands waiting deliveries back to their jobs when closed", async () => {
    const rec = recordingSender(async () => (await sleep(200), receipt(`0x${"01".repeat(32)}`)));
    const b = new DeliveryBatcher({ chain: "x", bridge: BRIDGE, cap: 1, maxInFlight: 1, sender: rec.sender, log });
    const first = b.submit(deliver(1), memoryJournal());
    const second = b.submit(deliver(2), memoryJournal());
    b.close();
    expect(await second).to.equal(SEND_SINGLY);
    expect(await b.submit(deliver(3), memoryJournal())).to.equal(SEND_SINGLY);
    expect((await first) as TransactionReceipt).to.have.property("hash");
  });

  it("a single delivery's intent accepts a batch containing it (resume after a crash), nothing else", () => {
    const intent = deliverIntent(BRIDGE, deliver(2));
    expect(intent.sameWork(deliver(2, "0x0202"))).to.equal(true); // other signatures, same transfer
    expect(intent.sameWork(multicallData([deliver(1), deliver(2, "0x03")]))).to.equal(true);
    expect(intent.sameWork(multicallData([deliver(1), deliver(3)]))).to.equal(false);
    expect(intent.sameWork(deliver(3))).to.equal(false);
    expect(intent.sameWork(multicallData([bridgeInterface.encodeFunctionData("releaseQueued", [`0x${"22".repeat(32)}`])]))).to.equal(false);
    expect(intent.sameWork("0xdeadbeef")).to.equal(false);
    expect(deliversTransfer(multicallData(["0x1234"]), "x")).to.equal(false);
  });

  it("records a batch transaction in every member's journal", () => {
    const a = memoryJournal();
    const c = memoryJournal();
    const j = batchJournal([a, c]);
    return j.record({ hash: "0x01", from: ZeroAddress, nonce: 1, raw: "0x", fees: {}, sentAt: 0 }).then(() => {
      expect(a.list).to.have.length(1);
      expect(c.list).to.have.length(1);
      expect(j.entries()).to.have.length(1);
    });
  });
});
