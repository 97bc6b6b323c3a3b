/**
 * The transfer decisions' edges that decisions.test.ts and memo.test.ts leave open, found by
 * `npm run test:mutation -- relayer-transfer`: amount and chain bounds, what a refund names and sends back,
 * hub order, the escrow memos read back (what counts as paid), the refill and the FIFO of queued releases.
 */
import { expect } from "chai";
import {
  assignSequences,
  classifyDeposit,
  comparePositions,
  DepositOrderError,
  destinationAt,
  MAX_TRANSFER_AMOUNT,
  type DepositRules,
  type HubDeposit,
} from "../../../relayer/transfer/deposits";
import {
  depositMemo,
  fitsReleaseBatchMemo,
  MAX_MEMO_CHARS,
  parseDepositMemo,
  parseEscrowMemo,
  refundKeyOf,
  refundMemo,
  releaseBatchMemo,
  REFUND_REASONS,
} from "../../../relayer/transfer/memo";
import { escrowLedger, feesPaid, releaseVerdict, type EscrowSend } from "../../../relayer/transfer/release";
import { availableAt, dueReleases, fitsAt, type InboundLimit } from "../../../relayer/transfer/queued";

const R = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const HASH = "ab".repeat(32);
const RULES: DepositRules = { denom: "uallo", destinations: [{ chainId: 1n, enabled: true, fromHeight: 0n }] };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function dep(over: Partial<HubDeposit> = {}): HubDeposit {
  return { txHash: HASH.toUpperCase(), height: 10n, txIndex: 0, msgIndex: 0, sender: "allo1x", coins: [{ denom: "uallo", amount: 5n }], memo: depositMemo(1n, R), ...over };
}

describe("transfer decisions (mutation edges): deposits", () => {
  it("the contract's ceiling is 2^88 - 1 when no lower bound is configured", () => {
    expect(MAX_TRANSFER_AMOUNT).to.equal((1n << 88n) - 1n);
    expect(classifyDeposit(dep({ coins: [{ denom: "uallo", amount: (1n << 88n) - 1n }] }), RULES).kind).to.equal("transfer");
    expect(classifyDeposit(dep({ coins: [{ denom: "uallo", amount: 1n << 88n }] }), RULES)).to.deep.include({
      reason: "amount_too_large",
      detail: `amount ${1n << 88n} is above the bridge's bound ${(1n << 88n) - 1n}`,
    });
  });

  it("a refund names its reason and sends back every coin of a positive amount, whatever the denom", () => {
    const mixed = classifyDeposit(dep({ coins: [{ denom: "uallo", amount: 0n }, { denom: "foo", amount: 5n }, { denom: "bar", amount: 2n }] }), RULES);
    expect(mixed).to.deep.equal({ kind: "refund", reason: "unsupported_denom", detail: "only uallo is bridged (got foo,bar)", coins: [{ denom: "foo", amount: 5n }, { denom: "bar", amount: 2n }] });
    expect(classifyDeposit(dep({ coins: [{ denom: "uallo", amount: 0n }] }), RULES)).to.deep.equal({ kind: "refund", reason: "zero_amount", detail: "amount is zero", coins: [] });
    expect(classifyDeposit(dep({ memo: depositMemo(9n, R) }), RULES)).to.deep.include({ reason: "unknown_destination", detail: "chain 9 is not a bridge destination" });
    const off: DepositRules = { ...RULES, destinations: [{ chainId: 1n, enabled: false, fromHeight: 0n }] };
    expect(classifyDeposit(dep(), off)).to.deep.include({ reason: "destination_disabled", detail: "chain 1 does not take deposits now" });
  });

  it("the destination rule in force is the latest one started, whatever the list order", () => {
    const rules = [
      { chainId: 1n, enabled: false, fromHeight: 10n },
      { chainId: 1n, enabled: true, fromHeight: 5n },
      { chainId: 2n, enabled: true, fromHeight: 0n },
    ];
    expect(destinationAt(rules, 1n, 12n)?.enabled).to.equal(false);
    expect(destinationAt(rules, 1n, 9n)?.enabled).to.equal(true);
    expect(destinationAt(rules, 1n, 4n)).to.equal(undefined);
    expect(destinationAt([...rules].reverse(), 1n, 12n)?.enabled).to.equal(false);
  });

  it("orders by height, then tx index, then message index", () => {
    const p = (height: bigint, txIndex: number, msgIndex: number) => ({ height, txIndex, msgIndex });
    expect(comparePositions(p(1n, 5, 5), p(2n, 0, 0))).to.be.lessThan(0);
    expect(comparePositions(p(2n, 0, 0), p(1n, 5, 5))).to.be.greaterThan(0);
    expect(comparePositions(p(1n, 1, 9), p(1n, 2, 0))).to.be.lessThan(0);
    expect(comparePositions(p(1n, 2, 0), p(1n, 1, 9))).to.be.greaterThan(0);
    expect(comparePositions(p(1n, 1, 1), p(1n, 1, 2))).to.be.lessThan(0);
    expect(comparePositions(p(1n, 1, 2), p(1n, 1, 1))).to.be.greaterThan(0);
    expect(comparePositions(p(1n, 1, 1), p(1n, 1, 1))).to.equal(0);
  });

  it("refuses a deposit seen twice, naming both positions and the fix", () => {
    const d = dep();
    let err: unknown;
    try {
      assignSequences([d, d], RULES);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DepositOrderError);
    expect((err as Error).name).to.equal("DepositOrderError");
    expect((err as Error).message).to.equal("deposit at 10/0/0 is not after 10/0/0 (fix: feed deposits in hub order, each once; re-scan from the bridge start height)");
  });

  it("a refund between transfers takes no sequence", () => {
    const out = assignSequences([dep({ msgIndex: 0 }), dep({ msgIndex: 1, memo: "" }), dep({ msgIndex: 2 })], RULES);
    expect(out.decided.map((d) => (d.kind === "transfer" ? `t${d.sequence}` : d.reason))).to.deep.equal(["t1", "missing_memo", "t2"]);
    expect("sequence" in out.decided[1]).to.equal(false);
    expect([...out.state.lastSequence]).to.deep.equal([[1n, 2n]]);
  });
});

describe("transfer decisions (mutation edges): memos", () => {
  const bridgeOf = (inner: Record<string, unknown>) => JSON.stringify({ bridge: inner });

  it("the refund reasons are exactly these stable strings", () => {
    expect(REFUND_REASONS).to.deep.equal([
      "missing_memo",
      "malformed_memo",
      "bad_recipient",
      "zero_recipient",
      "unknown_destination",
      "destination_disabled",
      "zero_amount",
      "amount_too_large",
      "unsupported_denom",
    ]);
  });

  it("no memo, blank or null, is missing; text that is not JSON says so", () => {
    for (const m of [null, undefined, "", "   "]) expect(parseDepositMemo(m)).to.deep.include({ ok: false, reason: "missing_memo" });
    expect(parseDepositMemo("{bridge")).to.deep.equal({ ok: false, reason: "malformed_memo", detail: "memo is not JSON" });
  });

  it("the bridge object must have exactly chain_id and recipient, and says what it got", () => {
    const detail = (inner: Record<string, unknown>) => {
      const p = parseDepositMemo(bridgeOf(inner));
      return p.ok ? "ok" : `${p.reason}: ${p.detail}`;
    };
    expect(detail({ chain_id: 1, recipient: R, x: 1 })).to.equal("malformed_memo: bridge object must have exactly chain_id and recipient (got chain_id,recipient,x)");
    expect(detail({ chain: 1, recipient: R })).to.equal("malformed_memo: bridge object must have exactly chain_id and recipient (got chain,recipient)");
    expect(detail({ chain_id: 1, to: R })).to.equal("malformed_memo: bridge object must have exactly chain_id and recipient (got chain_id,to)");
    expect(detail({})).to.equal("malformed_memo: bridge object must have exactly chain_id and recipient (got nothing)");
    expect(detail({ chain_id: "1", recipient: R })).to.equal("malformed_memo: chain_id must be a positive integer (a JSON number, not a string)");
    expect(detail({ chain_id: 1, recipient: 5 })).to.equal("bad_recipient: recipient must be 0x followed by 40 hex digits");
    expect(detail({ chain_id: 1, recipient: R })).to.equal("ok");
  });

  it("a refund memo takes exactly 64 hex digits and writes them upper case; a refund key is upper case", () => {
    expect(() => refundMemo(`zz${HASH}`, 0, "zero_amount")).to.throw("is not 64 hex digits");
    expect(() => refundMemo(`${HASH}zz`, 0, "zero_amount")).to.throw("is not 64 hex digits");
    expect(JSON.parse(refundMemo(HASH, 3, "zero_amount"))).to.deep.equal({ bridge_refund: { tx: HASH.toUpperCase(), msg: 3, reason: "zero_amount" } });
    expect(refundKeyOf(HASH, 3)).to.equal(`${HASH.toUpperCase()}:3`);
  });

  it("a release batch: chain and sequences from 1 to 2^53 - 1, and at most 256 characters", () => {
    const src = (chain: bigint) => ({ chain, bridge: R });
    expect(() => releaseBatchMemo(src(0n), [1n])).to.throw("chain 0 is not a positive safe integer");
    expect(() => releaseBatchMemo(src(MAX_SAFE + 1n), [1n])).to.throw("is not a positive safe integer");
    expect(releaseBatchMemo(src(MAX_SAFE), [1n])).to.contain(`"chain":${MAX_SAFE}`);
    expect(releaseBatchMemo(src(1n), [MAX_SAFE])).to.contain(`[${MAX_SAFE}]`);
    expect(() => releaseBatchMemo(src(1n), [MAX_SAFE + 1n])).to.throw(`sequence ${MAX_SAFE + 1n} is not a positive safe integer`);
    expect(() => releaseBatchMemo(src(1n), [0n])).to.throw("sequence 0 is not a positive safe integer");
    // Exactly the limit fits; one character more does not.
    const seqs: bigint[] = [1n];
    while (releaseBatchMemo(src(1n), seqs).length + 2 <= MAX_MEMO_CHARS) seqs.push(1n);
    if (releaseBatchMemo(src(1n), seqs).length === MAX_MEMO_CHARS - 1) seqs[0] = 10n;
    expect(releaseBatchMemo(src(1n), seqs).length).to.equal(MAX_MEMO_CHARS);
    expect(fitsReleaseBatchMemo(src(1n), seqs)).to.equal(true);
    const over = [...seqs];
    over[1] = 10n;
    expect(fitsReleaseBatchMemo(src(1n), over)).to.equal(false);
  });

  it("reads back only well-formed escrow memos; anything else is 'other'", () => {
    const other = { kind: "other" };
    const releases = (b: Record<string, unknown>) => parseEscrowMemo(JSON.stringify({ bridge_releases: b }));
    const ok = { chain: 5, bridge: R.slice(2).toLowerCase(), seq: [1, 2] };
    expect(releases(ok)).to.deep.equal({ kind: "releases", source: { chain: 5n, bridge: R }, sequences: [1n, 2n] });
    expect(releases({ ...ok, chain: 0 })).to.deep.equal(other);
    expect(releases({ ...ok, chain: "5" })).to.deep.equal(other);
    expect(releases({ ...ok, bridge: [ok.bridge] })).to.deep.equal(other);
    expect(releases({ ...ok, bridge: `${ok.bridge}0` })).to.deep.equal(other);
    expect(releases({ ...ok, seq: [1, 0] })).to.deep.equal(other);
    expect(releases({ ...ok, seq: [1, "2"] })).to.deep.equal(other);
    expect(releases({ ...ok, seq: [] })).to.deep.equal(other);
    const refund = (r: Record<string, unknown>) => parseEscrowMemo(JSON.stringify({ bridge_refund: r }));
    const good = { tx: HASH, msg: 0, reason: "zero_amount" };
    expect(refund(good)).to.deep.equal({ kind: "refund", depositTxHash: HASH.toUpperCase(), msgIndex: 0, reason: "zero_amount" });
    expect(refund({ ...good, tx: [HASH] })).to.deep.equal(other);
    expect(refund({ ...good, tx: `${HASH}0` })).to.deep.equal(other);
    expect(refund({ ...good, tx: `0${HASH}` })).to.deep.equal(other);
    expect(refund({ ...good, msg: -1 })).to.deep.equal(other);
    expect(refund({ ...good, msg: "0" })).to.deep.equal(other);
    expect(refund({ ...good, reason: 5 })).to.deep.equal(other);
    expect(parseEscrowMemo(JSON.stringify({ bridge_release: { transfer_id: 5 } }))).to.deep.equal(other);
    expect(parseEscrowMemo("")).to.deep.equal(other);
    expect(parseEscrowMemo("{x")).to.deep.equal(other);
    expect(parseEscrowMemo("[1]")).to.deep.equal(other);
  });
});

describe("transfer decisions (mutation edges): escrow ledger and release verdict", () => {
  const send = (txHash: string, height: bigint, memo: string, fee = 1n, code = 0): EscrowSend => ({ txHash, height, code, memo, fee });
  const rel = (id: string) => JSON.stringify({ bridge_release: { transfer_id: id } });
  const id = `0x${"cd".repeat(32)}`;

  it("counts the fees of every send, failed ones included", () => {
    expect(feesPaid([send("A", 1n, "", 3n), send("B", 2n, "", 4n, 5)])).to.equal(7n);
    expect(feesPaid([])).to.equal(0n);
  });

  it("the first payment in hub order is the one that released it, whatever order tx_search returned", () => {
    const ledger = escrowLedger([send("LATE", 9n, rel(id)), send("EARLY", 3n, rel(id)), send("MID", 5n, rel(id))], 1n);
    expect(ledger.released.get(id)).to.equal("EARLY");
    expect(ledger.paidTwice).to.deep.equal([{ key: id, txHashes: ["EARLY", "MID", "LATE"] }]);
    const heights = [7n, 2n, 9n, 1n, 8n, 3n, 6n, 4n, 5n];
    const many = escrowLedger(heights.map((h) => send(`H${h}`, h, rel(id))), 1n);
    expect(many.paidTwice[0].txHashes).to.deep.equal(["H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8", "H9"]);
    // Two sends of one block keep tx_search's order (the order within the block).
    const same = escrowLedger([send("X2", 4n, rel(id)), send("X1", 4n, rel(id)), send("X0", 3n, rel(id))], 1n);
    expect(same.paidTwice[0].txHashes).to.deep.equal(["X0", "X2", "X1"]);
    expect(escrowLedger([send("A", 3n, rel(id))], 1n).paidTwice).to.deep.equal([]);
  });

  it("a release key is matched in lower case, a refund key as given; an incomplete ledger is said as such", () => {
    const ledger = escrowLedger([send("A", 3n, rel(id))], 1n);
    const base = { ledger, escrowTxs: 1, committedSequence: 1n, requestedSequence: 1n };
    expect(releaseVerdict({ ...base, kind: "release", key: id.toUpperCase().replace("0X", "0x") })).to.deep.equal({ sign: false, why: "already_paid", txHash: "A" });
    expect(releaseVerdict({ ...base, kind: "refund", key: id })).to.deep.equal({ sign: true });
    expect(releaseVerdict({ ...base, kind: "refund", key: "x", escrowTxs: 0 })).to.deep.equal({ sign: false, why: "ledger_incomplete", escrowTxs: 0, committedSequence: 1n });
  });
});

describe("transfer decisions (mutation edges): queued releases", () => {
  const limit = (over: Partial<InboundLimit> = {}): InboundLimit => ({ capacity: 100n, available: 10n, at: 1_000n, window: 50n, ...over });

  it("availableAt: no refill before the reading; a window of 0 is always full; capped at the capacity", () => {
    expect(availableAt(limit(), 900n)).to.equal(10n);
    expect(availableAt(limit({ window: 0n }), 1_000n)).to.equal(100n);
    expect(availableAt(limit(), 1_010n)).to.equal(30n);
    expect(availableAt(limit({ available: 90n }), 1_010n)).to.equal(100n);
    expect(availableAt(limit(), 1_050n)).to.equal(100n);
    expect(availableAt(limit(), 5_000n)).to.equal(100n);
  });

  it("fitsAt: the capacity itself fits (after a refill), the available amount fits now, the first whole second otherwise", () => {
    expect(fitsAt(limit({ available: 0n }), 100n)).to.equal(1_050n);
    expect(fitsAt(limit(), 101n)).to.equal(undefined);
    expect(fitsAt(limit(), 10n)).to.equal(1_000n);
    expect(fitsAt(limit(), 11n)).to.equal(1_001n);
    // 10 + 100 * e / 50 >= 13 from e = 2 (e = 1 gives 12)
    expect(fitsAt(limit(), 13n)).to.equal(1_002n);
    expect(fitsAt(limit(), 12n)).to.equal(1_001n);
    // a capacity and window whose ceiling estimate overshoots: 7 * e / 3 >= 5 from e = 3 (e = 2 gives 4)
    expect(fitsAt({ capacity: 7n, available: 0n, at: 0n, window: 3n }, 5n)).to.equal(3n);
    expect(fitsAt({ capacity: 7n, available: 0n, at: 0n, window: 3n }, 4n)).to.equal(2n);
    expect(fitsAt({ capacity: 0n, available: 0n, at: 0n, window: 3n }, 0n)).to.equal(0n);
    for (let amount = 1n; amount <= 100n; amount++) {
      const at = fitsAt(limit({ available: 0n }), amount)!;
      expect(availableAt(limit({ available: 0n }), at) >= amount, `amount ${amount}`).to.equal(true);
      expect(availableAt(limit({ available: 0n }), at - 1n) < amount, `amount ${amount}`).to.equal(true);
    }
  });

  it("releases oldest first, ties by transfer id; an exact fit is released; nothing overtakes a blocked one", () => {
    const q = (transferId: string, amount: bigint, queuedAt: bigint) => ({ transferId, amount, queuedAt });
    const out = dueReleases([q("b", 5n, 10n), q("a", 5n, 10n), q("c", 1n, 5n)], limit({ available: 11n, window: 0n, capacity: 11n }), 1_000n);
    expect(out.release.map((x) => x.transferId)).to.deep.equal(["c", "a", "b"]);
    const ids = ["e", "b", "h", "a", "g", "c", "f", "d"];
    const ties = dueReleases(ids.map((i) => q(i, 1n, 7n)).concat([q("z", 1n, 6n), q("y", 1n, 8n)]), limit({ available: 100n }), 1_000n);
    expect(ties.release.map((x) => x.transferId)).to.deep.equal(["z", "a", "b", "c", "d", "e", "f", "g", "h", "y"]);
    const tight = dueReleases([q("a", 10n, 1n), q("b", 1n, 2n)], limit(), 1_000n);
    expect(tight.release.map((x) => x.transferId)).to.deep.equal(["a"]);
    expect(tight.nextAt).to.equal(1_001n);
    const waitFor = dueReleases([q("a", 1n, 900n)], limit(), 1_000n, 100n);
    expect(waitFor.release.map((x) => x.transferId)).to.deep.equal(["a"]);
    const tooEarly = dueReleases([q("a", 1n, 901n)], limit(), 1_000n, 100n);
    expect(tooEarly).to.deep.equal({ release: [], nextAt: 1_001n, blocked: undefined });
    // fits at 1,001 but may be released only from 1,002 (minimum wait), and the reverse
    expect(dueReleases([q("a", 11n, 902n)], limit(), 1_000n, 100n).nextAt).to.equal(1_002n);
    expect(dueReleases([q("a", 13n, 901n)], limit(), 1_000n, 100n).nextAt).to.equal(1_002n);
    expect(dueReleases([q("a", 100n, 1n)], limit(), 1_000n).blocked).to.equal(undefined);
    expect(dueReleases([q("a", 101n, 1n)], limit(), 1_000n).blocked?.transferId).to.equal("a");
  });
});
