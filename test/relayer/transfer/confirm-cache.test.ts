import { expect } from "chai";
import { ConfirmCache } from "../../../relayer/transfer/confirm-cache";
import type { Confirmation, SentTransfer } from "../../../relayer/transfer/evm-source";

const claim = (over: Partial<SentTransfer> = {}): SentTransfer => ({
  sourceChain: 31337n,
  bridge: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  transferId: "0x" + "ab".repeat(32),
  destinationChain: 31338n,
  sequence: 7n,
  sender: "",
  recipient: { kind: "evm", address: "0x" + "11".repeat(20) },
  amount: 5n,
  fee: 0n,
  blockNumber: 10,
  blockHash: "",
  txHash: "0x" + "cd".repeat(32),
  logIndex: 0,
  ...over,
});

describe("relayer transfer: remembered source confirmations", () => {
  const confirmed = (t: SentTransfer): Confirmation => ({ state: "confirmed", transfer: t, depth: 3 });

  it("reads a confirmed claim once within the ttl, and again for a claim that differs in any field", async () => {
    const cache = new ConfirmCache(60_000);
    let reads = 0;
    const read = (t: SentTransfer) => async () => (reads++, confirmed(t));
    const a = claim();
    await cache.confirm(ConfirmCache.keyOf("ethereum", a, 1), read(a));
    expect(await cache.confirm(ConfirmCache.keyOf("ethereum", a, 1), read(a))).to.deep.equal(confirmed(a));
    expect(reads).to.equal(1);
    for (const other of [claim({ amount: 6n }), claim({ recipient: { kind: "evm", address: "0x" + "12".repeat(20) } }), claim({ txHash: "0x" + "ce".repeat(32) })]) {
      await cache.confirm(ConfirmCache.keyOf("ethereum", other, 1), read(other));
    }
    await cache.confirm(ConfirmCache.keyOf("bnb", a, 1), read(a));
    await cache.confirm(ConfirmCache.keyOf("ethereum", a, 2), read(a));
    expect(reads).to.equal(6);
  });

  it("never remembers pending, gone or mismatch: those are read every time", async () => {
    const cache = new ConfirmCache(60_000);
    const answers: Confirmation[] = [
      { state: "pending", depth: 0, needed: 1 },
      { state: "gone", why: "reorged out" },
      { state: "mismatch", why: "amount differs" },
      { state: "pending", depth: 0, needed: 1 },
    ];
    let reads = 0;
    const key = ConfirmCache.keyOf("ethereum", claim(), 1);
    for (const want of answers) expect(await cache.confirm(key, async () => (reads++, want))).to.deep.equal(want);
    expect(reads).to.equal(answers.length);
  });

  it("reads again once the ttl has passed, and forgets a confirmation the chain no longer gives", async () => {
    const cache = new ConfirmCache(0);
    let reads = 0;
    const key = ConfirmCache.keyOf("ethereum", claim(), 1);
    await cache.confirm(key, async () => (reads++, confirmed(claim())));
    expect(await cache.confirm(key, async () => (reads++, { state: "gone", why: "reorged out" }))).to.deep.equal({ state: "gone", why: "reorged out" });
    expect(reads).to.equal(2);
  });
});
