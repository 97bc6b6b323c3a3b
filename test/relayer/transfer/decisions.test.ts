/**
 * The transfer pipeline's pure decisions: deposit classification and sequence assignment, what the escrow
 * already paid, queued releases against the contract's refill, and the reconciliation sum.
 */
import { expect } from "chai";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import {
  assignSequences,
  classifyDeposit,
  DepositOrderError,
  EMPTY_SEQUENCE_STATE,
  MAX_TRANSFER_AMOUNT,
  type DepositRules,
  type HubDeposit,
} from "../../../relayer/transfer/deposits";
import { depositMemo, refundMemo, releaseMemo } from "../../../relayer/transfer/memo";
import { escrowLedger, refundKey, releaseVerdict } from "../../../relayer/transfer/release";
import { composeBatch, planFor, type EscrowConfig } from "../../../relayer/transfer/escrow";
import type { EscrowJobData } from "../../../relayer/transfer/jobs";
import { cosmosBridgeChainId } from "../../../lib/chains";
import { evmBridgeId, transferId } from "../../../lib/eip712/bridge";
import { getAddress } from "ethers";
import { availableAt, dueReleases, fitsAt, type InboundLimit } from "../../../relayer/transfer/queued";
import { formatAllo, reconcile } from "../../../relayer/transfer/reconcile";

const R = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const RULES: DepositRules = {
  denom: "uallo",
  destinations: [
    { chainId: 31337n, enabled: true, fromHeight: 0n },
    { chainId: 31338n, enabled: true, fromHeight: 0n },
    { chainId: 31339n, enabled: true, fromHeight: 0n },
    { chainId: 31339n, enabled: false, fromHeight: 100n },
  ],
};
let txn = 0;
function dep(height: bigint, memo: string, amount = 10n ** 18n, extra: Partial<HubDeposit> = {}): HubDeposit {
  txn += 1;
  return {
    txHash: txn.toString(16).padStart(64, "0").toUpperCase(),
    height,
    txIndex: 0,
    msgIndex: 0,
    sender: "allo1sender",
    coins: [{ denom: "uallo", amount }],
    memo,
    ...extra,
  };
}

describe("relayer transfer: deposits", () => {
  it("classifies amount, denom and destination, including a destination switched off from a height on", () => {
    expect(classifyDeposit(dep(5n, depositMemo(31337, R)), RULES)).to.deep.equal({
      kind: "transfer",
      destinationChain: 31337n,
      recipient: R,
      amount: 10n ** 18n,
    });
    const reason = (d: HubDeposit) => {
      const c = classifyDeposit(d, RULES);
      return c.kind === "refund" ? c.reason : "transfer";
    };
    expect(reason(dep(5n, depositMemo(31337, R), 0n))).to.equal("zero_amount");
    expect(reason(dep(5n, depositMemo(31337, R), MAX_TRANSFER_AMOUNT))).to.equal("transfer");
    expect(reason(dep(5n, depositMemo(31337, R), MAX_TRANSFER_AMOUNT + 1n))).to.equal("amount_too_large");
    expect(reason(dep(5n, depositMemo(1, R)))).to.equal("unknown_destination");
    expect(reason(dep(99n, depositMemo(31339, R)))).to.equal("transfer");
    expect(reason(dep(100n, depositMemo(31339, R)))).to.equal("destination_disabled");
    expect(reason(dep(5n, "oops"))).to.equal("malformed_memo");
    const mixed = dep(5n, depositMemo(31337, R), 1n, {
      coins: [
        { denom: "ibc/ABC", amount: 7n },
        { denom: "uallo", amount: 1n },
      ],
    });
    const c = classifyDeposit(mixed, RULES);
    expect(c.kind === "refund" && c.reason).to.equal("unsupported_denom");
    // a refund sends back every coin that came in
    expect(c.kind === "refund" && c.coins.map((x) => x.denom)).to.deep.equal(["ibc/ABC", "uallo"]);
  });

  it("gives sequences per destination from 1, in hub order, skipping refunds", () => {
    const history = [
      dep(10n, depositMemo(31337, R)),
      dep(10n, depositMemo(31338, R), 2n, { txIndex: 1 }),
      dep(10n, "bad", 3n, { txIndex: 1, msgIndex: 1 }),
      dep(11n, depositMemo(31337, R), 4n),
      dep(12n, depositMemo(31337, R), 0n),
      dep(12n, depositMemo(31337, R), 5n, { txIndex: 2 }),
    ];
    const { decided, state } = assignSequences(history, RULES);
    expect(decided.map((d) => (d.kind === "transfer" ? `${d.destinationChain}#${d.sequence}` : d.reason))).to.deep.equal([
      "31337#1",
      "31338#1",
      "malformed_memo",
      "31337#2",
      "zero_amount",
      "31337#3",
    ]);
    expect(state.lastSequence.get(31337n)).to.equal(3n);
    expect(state.after).to.deep.equal({ height: 12n, txIndex: 2, msgIndex: 0 });
    // out of order or twice: refused, never guessed
    expect(() => assignSequences([history[3], history[0]], RULES)).to.throw(DepositOrderError, /not after/);
    expect(() => assignSequences(history.slice(2), RULES, state)).to.throw(DepositOrderError);
  });

  it("property: any split of the history into runs gives the same sequences as one pass (attesters agree)", () => {
    const arbDep = fc.record({
      dest: fc.constantFrom(31337, 31338, 31339, 5),
      amount: fc.bigInt({ min: 0n, max: MAX_TRANSFER_AMOUNT + 10n }),
      good: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbDep, { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 5 }), (specs, cuts) => {
        const history = specs.map((s, i) => dep(BigInt(50 + i * 3), s.good ? depositMemo(s.dest, R) : "x", s.amount, { txIndex: i % 3 }));
        const whole = assignSequences(history, RULES).decided;
        const points = [...new Set(cuts.map((c) => Math.min(c, history.length)))].sort((a, b) => a - b);
        let state = EMPTY_SEQUENCE_STATE;
        const pieces: typeof whole = [];
        let from = 0;
        for (const p of [...points, history.length]) {
          const r = assignSequences(history.slice(from, p), RULES, state);
          pieces.push(...r.decided);
          state = r.state;
          from = p;
        }
        expect(pieces).to.deep.equal(whole);
        // sequences per destination are exactly 1..n
        const seen = new Map<bigint, bigint[]>();
        for (const d of whole) if (d.kind === "transfer") seen.set(d.destinationChain, [...(seen.get(d.destinationChain) ?? []), d.sequence]);
        for (const seqs of seen.values()) expect(seqs).to.deep.equal(seqs.map((_, i) => BigInt(i + 1)));
      }),
      seeded({ numRuns: 200 }),
    );
  });
});

const HUB_CHAIN = 7_000_001n;

describe("relayer transfer: escrow ledger and release verdicts", () => {
  const id1 = "0x" + "11".repeat(32);
  const id2 = "0x" + "22".repeat(32);
  const depTx = "AB".repeat(32);
  const sends = [
    { txHash: "T1", height: 20n, code: 0, memo: releaseMemo(id1), fee: 10n },
    { txHash: "T2", height: 21n, code: 5, memo: releaseMemo(id2), fee: 10n }, // failed in the block: moved nothing
    { txHash: "T3", height: 22n, code: 0, memo: refundMemo(depTx, 1, "malformed_memo"), fee: 10n },
    { txHash: "T4", height: 23n, code: 0, memo: "operator top-up", fee: 10n },
  ];

  it("counts only successful sends, by transfer id and by deposit", () => {
    const l = escrowLedger(sends, HUB_CHAIN);
    expect([...l.released]).to.deep.equal([[id1, "T1"]]);
    expect([...l.refunded]).to.deep.equal([[refundKey(depTx, 1), "T3"]]);
    expect(l.paidTwice).to.deep.equal([]);
    const twice = escrowLedger([...sends, { txHash: "T9", height: 30n, code: 0, memo: releaseMemo(id1.toUpperCase().replace("0X", "0x")), fee: 10n }], HUB_CHAIN);
    expect(twice.paidTwice).to.deep.equal([{ key: id1, txHashes: ["T1", "T9"] }]);
  });

  it("signs only an unpaid send, at the committed sequence, with a ledger at least as new", () => {
    const ledger = escrowLedger(sends, HUB_CHAIN);
    const base = { kind: "release" as const, ledger, escrowTxs: 4, committedSequence: 4n, requestedSequence: 4n };
    expect(releaseVerdict({ ...base, key: id1 })).to.deep.equal({ sign: false, why: "already_paid", txHash: "T1" });
    expect(releaseVerdict({ ...base, key: id2 })).to.deep.equal({ sign: true });
    expect(releaseVerdict({ ...base, key: id2, requestedSequence: 5n }).sign).to.equal(false);
    expect(releaseVerdict({ ...base, key: id2, requestedSequence: 3n })).to.include({ why: "wrong_sequence" });
    // the node reports sequence 5 but tx_search shows only 4 escrow txs: the newest is not indexed yet
    expect(releaseVerdict({ ...base, key: id2, committedSequence: 5n, requestedSequence: 5n })).to.include({ why: "ledger_incomplete" });
    expect(releaseVerdict({ ...base, key: id2, escrowTxs: 5, committedSequence: 5n, requestedSequence: 5n })).to.deep.equal({ sign: true });
    expect(releaseVerdict({ ...base, kind: "refund", key: refundKey(depTx, 1) })).to.include({ why: "already_paid" });
    expect(releaseVerdict({ ...base, kind: "refund", key: refundKey(depTx, 0) })).to.deep.equal({ sign: true });
  });
});

describe("relayer transfer: queued releases", () => {
  const limit: InboundLimit = { capacity: 1000n, available: 100n, at: 1_000n, window: 3600n };

  it("refills as the contract does (linear, integer division, capped)", () => {
    expect(availableAt(limit, 1_000n)).to.equal(100n);
    expect(availableAt(limit, 1_036n)).to.equal(110n);
    expect(availableAt(limit, 1_001n)).to.equal(100n); // 1000*1/3600 rounds down to 0
    expect(availableAt(limit, 1_000n + 3600n)).to.equal(1000n);
    expect(availableAt(limit, 999n)).to.equal(100n);
  });

  it("fitsAt is the first second at which the amount fits", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (cap, window, amt) => {
        const l: InboundLimit = { capacity: cap, available: cap / 3n, at: 500n, window };
        const t = fitsAt(l, amt);
        if (amt > cap) {
          expect(t).to.equal(undefined);
          return;
        }
        expect(t).to.not.equal(undefined);
        expect(availableAt(l, t!) >= amt).to.equal(true);
        if (t! > l.at) expect(availableAt(l, t! - 1n) < amt).to.equal(true);
      }),
      seeded({ numRuns: 300 }),
    );
  });

  it("releases oldest first and never lets a younger transfer overtake the oldest", () => {
    const q = [
      { transferId: "0xb", amount: 50n, queuedAt: 20n },
      { transferId: "0xa", amount: 60n, queuedAt: 10n },
      { transferId: "0xc", amount: 5n, queuedAt: 30n },
    ];
    const now = dueReleases(q, limit, 1_000n);
    expect(now.release.map((x) => x.transferId)).to.deep.equal(["0xa"]);
    expect(now.nextAt).to.equal(fitsAt({ ...limit, available: 40n }, 50n));
    const later = dueReleases(q, limit, 1_000n + 3600n);
    expect(later.release.map((x) => x.transferId)).to.deep.equal(["0xa", "0xb", "0xc"]);
    // the bridge's minimum wait: nothing before queuedAt + minDelay, then the same order
    const early = dueReleases(q, limit, 4_005n, 4_000n);
    expect(early.release.map((x) => x.transferId)).to.deep.equal([]);
    expect(early.nextAt).to.equal(4_010n);
    expect(dueReleases(q, limit, 4_025n, 4_000n).release.map((x) => x.transferId)).to.deep.equal(["0xa", "0xb"]);
    const stuck = dueReleases([{ transferId: "0xz", amount: 5000n, queuedAt: 1n }, ...q], limit, 9_999n);
    expect(stuck.release).to.deep.equal([]);
    expect(stuck.blocked?.transferId).to.equal("0xz");
    expect(stuck.nextAt).to.equal(undefined);
  });
});

describe("relayer transfer: reconciliation", () => {
  it("balances when escrow minus float equals EVM supply plus in flight, and names the delta otherwise", () => {
    const supplies = [
      { chain: "ethereum", totalSupply: 7n * 10n ** 18n },
      { chain: "bnb", totalSupply: 2n * 10n ** 18n },
    ];
    const inFlight = [{ transferId: "0x1", route: "hub->ethereum", amount: 10n ** 18n, stage: "attested" }];
    const ok = reconcile({ escrowBalance: 10n * 10n ** 18n + 777n, escrowFloat: 777n, supplies, inFlight });
    expect(ok.delta).to.equal(0n);
    expect(ok.ok).to.equal(true);
    const lost = reconcile({ escrowBalance: 10n * 10n ** 18n + 777n, escrowFloat: 777n, supplies, inFlight: [] });
    expect(lost.delta).to.equal(10n ** 18n);
    expect(lost.ok).to.equal(false);
    const minted = reconcile({ escrowBalance: 9n * 10n ** 18n, escrowFloat: 0n, supplies, inFlight });
    expect(minted.delta).to.equal(-(10n ** 18n));
    expect(formatAllo(minted.delta)).to.equal("-1");
    expect(formatAllo(1234500000000000000n)).to.equal("1.2345");
    expect(formatAllo(1n)).to.equal("0.000000000000000001");
  });
});

describe("relayer transfer: escrow batches (several releases in one tx)", () => {
  const HUB_ID = "allora-devnet";
  const hub = cosmosBridgeChainId(HUB_ID);
  const bridgeA = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  const bridgeB = getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");
  const release = (chain: bigint, bridge: string, seq: bigint, to = "allo1recipient"): EscrowJobData => ({
    kind: "release",
    key: transferId(chain, evmBridgeId(bridge), hub, seq).toLowerCase(),
    to,
    coins: [{ denom: "uallo", amount: (seq * 1000n).toString() }],
    transfer: { sourceChain: chain.toString(), sourceBridge: evmBridgeId(bridge), sequence: seq.toString() },
    origin: { kind: "evm", chain: "x", txHash: "0x" + "01".repeat(32), blockNumber: 1, logIndex: 0 },
    seenAt: 0,
    sourceTime: 0,
  });
  const refund: EscrowJobData = { kind: "refund", key: "AB".repeat(32) + ":0", to: "allo1sender", coins: [{ denom: "uallo", amount: "5" }], reason: "malformed_memo", origin: { kind: "hub", txHash: "AB".repeat(32), msgIndex: 0, height: "3" }, seenAt: 0, sourceTime: 0 };
  const cfg = { chainId: HUB_ID, prefix: "allo", address: "allo1escrow", multisig: {} as EscrowConfig["multisig"], fee: { amount: [{ denom: "uallo", amount: "3000000" }], gas: "300000" } };
  const snap = { accountNumber: 7, sequence: 12, sends: [], ledger: escrowLedger([], hub) };

  it("composes a batch from the queue: the head's source bridge only, queue order, no key twice, within the memo", () => {
    const q = [release(31337n, bridgeA, 2n), release(31338n, bridgeA, 1n), release(31337n, bridgeB, 3n), refund, release(31337n, bridgeA, 3n), release(31337n, bridgeA, 2n)];
    const head = release(31337n, bridgeA, 1n);
    expect(composeBatch(head, q, hub, 16).map((j) => j.transfer!.sequence)).to.deep.equal(["1", "2", "3"]);
    expect(composeBatch(head, q, hub, 2)).to.have.length(2);
    expect(composeBatch(refund, q, hub, 16)).to.deep.equal([refund]);
    // a job whose key is not the id its fields derive is paid alone (the memo could not name it)
    const forged = { ...release(31337n, bridgeA, 9n), key: "0x" + "99".repeat(32) };
    expect(composeBatch(forged, q, hub, 16)).to.deep.equal([forged]);
    expect(composeBatch(head, [forged], hub, 16)).to.deep.equal([head]);
    // the memo limit bounds the batch before the cap does
    const big = Array.from({ length: 40 }, (_, i) => release(31337n, bridgeA, 9_999_000n + BigInt(i)));
    const b = composeBatch(big[0], big.slice(1), hub, 100);
    expect(b.length).to.be.within(20, 30);
    expect(planFor(b, snap, cfg).memo.length).to.be.at.most(256);
  });

  it("plans one MsgSend per member under the batch memo, the fee per payment; the ledger reads every id back", () => {
    const batch = [release(31337n, bridgeA, 4n, "allo1a"), release(31337n, bridgeA, 5n, "allo1b")];
    const plan = planFor(batch, snap, cfg);
    expect(plan.payments).to.deep.equal([{ to: "allo1a", coins: batch[0].coins }, { to: "allo1b", coins: batch[1].coins }]);
    expect(plan.fee).to.deep.equal({ amount: [{ denom: "uallo", amount: "6000000" }], gas: "600000" });
    expect(plan.sequence).to.equal(12);
    const ledger = escrowLedger([{ txHash: "B1", height: 5n, code: 0, memo: plan.memo, fee: 6_000_000n }], hub);
    expect([...ledger.released.keys()].sort()).to.deep.equal(batch.map((j) => j.key).sort());
    expect(() => planFor([batch[0], release(31337n, bridgeB, 1n)], snap, cfg)).to.throw(/one source bridge/);
    expect(() => planFor([batch[0], batch[0]], snap, cfg)).to.throw(/twice/);
    expect(() => planFor([batch[0], refund], snap, cfg)).to.throw(/one source bridge/);
    expect(planFor(batch[0], snap, cfg).memo).to.equal(releaseMemo(batch[0].key));
  });

  it("a batch holding an id a single release already paid is an alert (paid twice); the verdict never signs a paid id", () => {
    const one = release(31338n, bridgeB, 7n);
    const batch = [release(31338n, bridgeB, 6n), one];
    const sends = [
      { txHash: "S1", height: 10n, code: 0, memo: releaseMemo(one.key), fee: 1n },
      { txHash: "S2", height: 11n, code: 0, memo: planFor(batch, snap, cfg).memo, fee: 2n },
    ];
    const ledger = escrowLedger(sends, hub);
    expect(ledger.paidTwice).to.deep.equal([{ key: one.key, txHashes: ["S1", "S2"] }]);
    // and the other order: before S2 exists, the paid id is refused, the unpaid one signed
    const before = escrowLedger(sends.slice(0, 1), hub);
    const base = { kind: "release" as const, ledger: before, escrowTxs: 1, committedSequence: 1n, requestedSequence: 1n };
    expect(releaseVerdict({ ...base, key: one.key })).to.include({ sign: false, why: "already_paid" });
    expect(releaseVerdict({ ...base, key: batch[0].key })).to.deep.equal({ sign: true });
    // the same sequence twice within one batch tx is paid twice too
    const dup = `{"bridge_releases":{"chain":31338,"bridge":"${bridgeB.slice(2).toLowerCase()}","seq":[6,6]}}`;
    expect(escrowLedger([{ txHash: "S3", height: 12n, code: 0, memo: dup, fee: 1n }], hub).paidTwice).to.deep.equal([{ key: batch[0].key, txHashes: ["S3", "S3"] }]);
  });
});
