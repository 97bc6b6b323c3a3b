/**
 * Deposit memo parsing: every malformed shape maps to a refund reason (never a throw, never a guess), and
 * the escrow's own memos read back as what they were written for.
 */
import { expect } from "chai";
import {
  depositMemo,
  parseDepositMemo,
  parseEscrowMemo,
  fitsReleaseBatchMemo,
  MAX_MEMO_CHARS,
  refundMemo,
  releaseBatchMemo,
  releasedTransferIds,
  releaseMemo,
  type RefundReason,
} from "../../../relayer/transfer/memo";
import { evmBridgeId, transferId } from "../../../lib/eip712/bridge";

const R = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";

describe("relayer transfer: deposit memo", () => {
  it("accepts the documented memo, checksummed, lower- or upper-case recipient", () => {
    for (const rcpt of [R, R.toLowerCase(), "0x" + R.slice(2).toUpperCase()]) {
      const p = parseDepositMemo(`{"bridge":{"chain_id":31337,"recipient":"${rcpt}"}}`);
      expect(p).to.deep.equal({ ok: true, chainId: 31337n, recipient: R });
    }
    // whitespace is JSON's business, not a different memo
    expect(parseDepositMemo(` { "bridge" : { "recipient" : "${R}", "chain_id" : 1 } } `).ok).to.equal(true);
    expect(parseDepositMemo(depositMemo(8453n, R.toLowerCase()))).to.deep.equal({ ok: true, chainId: 8453n, recipient: R });
  });

  const bad: [string, string | undefined, RefundReason][] = [
    ["no memo", undefined, "missing_memo"],
    ["empty memo", "", "missing_memo"],
    ["blank memo", "   ", "missing_memo"],
    ["not JSON", "send to 0xabc on base", "malformed_memo"],
    ["truncated JSON", '{"bridge":{"chain_id":1', "malformed_memo"],
    ["JSON array", "[1,2]", "malformed_memo"],
    ["JSON string", '"bridge"', "malformed_memo"],
    ["JSON null", "null", "malformed_memo"],
    ["no bridge key", `{"chain_id":1,"recipient":"${R}"}`, "malformed_memo"],
    ["bridge not an object", '{"bridge":"0xabc"}', "malformed_memo"],
    ["extra top-level key", `{"bridge":{"chain_id":1,"recipient":"${R}"},"x":1}`, "malformed_memo"],
    ["extra bridge key", `{"bridge":{"chain_id":1,"recipient":"${R}","amount":5}}`, "malformed_memo"],
    ["missing chain_id", `{"bridge":{"recipient":"${R}"}}`, "malformed_memo"],
    ["missing recipient", '{"bridge":{"chain_id":1}}', "malformed_memo"],
    ["chain_id as a string", `{"bridge":{"chain_id":"1","recipient":"${R}"}}`, "malformed_memo"],
    ["chain_id zero", `{"bridge":{"chain_id":0,"recipient":"${R}"}}`, "malformed_memo"],
    ["chain_id negative", `{"bridge":{"chain_id":-1,"recipient":"${R}"}}`, "malformed_memo"],
    ["chain_id fractional", `{"bridge":{"chain_id":1.5,"recipient":"${R}"}}`, "malformed_memo"],
    ["chain_id beyond 2^53 (precision lost)", `{"bridge":{"chain_id":9007199254740993,"recipient":"${R}"}}`, "malformed_memo"],
    ["recipient not hex", '{"bridge":{"chain_id":1,"recipient":"0xzz"}}', "bad_recipient"],
    ["recipient too short", `{"bridge":{"chain_id":1,"recipient":"${R.slice(0, 40)}"}}`, "bad_recipient"],
    ["recipient too long", `{"bridge":{"chain_id":1,"recipient":"${R}00"}}`, "bad_recipient"],
    ["recipient without 0x", `{"bridge":{"chain_id":1,"recipient":"${R.slice(2)}"}}`, "bad_recipient"],
    ["recipient a hub address", '{"bridge":{"chain_id":1,"recipient":"allo1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqxmp4hk"}}', "bad_recipient"],
    ["recipient a number", '{"bridge":{"chain_id":1,"recipient":123}}', "bad_recipient"],
    ["recipient with a wrong checksum", `{"bridge":{"chain_id":1,"recipient":"${R.replace("b", "B")}"}}`, "bad_recipient"],
    ["zero recipient", '{"bridge":{"chain_id":1,"recipient":"0x0000000000000000000000000000000000000000"}}', "zero_recipient"],
  ];
  for (const [name, memo, reason] of bad) {
    it(`refunds ${name} as ${reason}, with a detail`, () => {
      const p = parseDepositMemo(memo);
      expect(p.ok).to.equal(false);
      if (p.ok) return;
      expect(p.reason).to.equal(reason);
      expect(p.detail.length).to.be.greaterThan(5);
    });
  }
});

describe("relayer transfer: escrow memos", () => {
  const id = "0x" + "ab".repeat(32);
  const tx = "0123456789abcdef".repeat(4);

  it("reads back releases and refunds, and keeps them under the hub's 256-character limit", () => {
    expect(parseEscrowMemo(releaseMemo(id.toUpperCase().replace("0X", "0x")))).to.deep.equal({ kind: "release", transferId: id });
    const m = refundMemo(tx, 3, "malformed_memo");
    expect(parseEscrowMemo(m)).to.deep.equal({ kind: "refund", depositTxHash: tx.toUpperCase(), msgIndex: 3, reason: "malformed_memo" });
    expect(releaseMemo(id).length).to.be.lessThan(256);
    expect(refundMemo(tx, 99, "destination_disabled").length).to.be.lessThan(256);
  });

  it("treats anything else as 'other' and refuses to write a malformed id or hash", () => {
    for (const memo of ["", "hello", "{}", '{"bridge_release":{"transfer_id":"0x12"}}', '{"bridge_refund":{"tx":"zz","msg":0,"reason":"x"}}',
      `{"bridge_refund":{"tx":"${tx}","msg":-1,"reason":"x"}}`, "[]", "null"]) {
      expect(parseEscrowMemo(memo).kind, memo).to.equal("other");
    }
    expect(() => releaseMemo("0x12")).to.throw(/32 bytes/);
    expect(() => refundMemo("abc", 0, "zero_amount")).to.throw(/64 hex/);
  });

  it("writes a batch of releases as source + sequences, reads it back, and derives each transfer id", () => {
    const source = { chain: 31337n, bridge: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    const memo = releaseBatchMemo(source, [3n, 1n, 200n]);
    expect(memo).to.equal('{"bridge_releases":{"chain":31337,"bridge":"5fbdb2315678afecb367f032d93f642f64180aa3","seq":[3,1,200]}}');
    const parsed = parseEscrowMemo(memo);
    expect(parsed).to.deep.equal({ kind: "releases", source, sequences: [3n, 1n, 200n] });
    const hub = 7_000_001n;
    expect(releasedTransferIds(parsed, hub)).to.deep.equal([3n, 1n, 200n].map((q) => transferId(31337n, evmBridgeId(source.bridge), hub, q).toLowerCase()));
    expect(releasedTransferIds(parseEscrowMemo(releaseMemo(id)), hub)).to.deep.equal([id]);
    expect(releasedTransferIds(parseEscrowMemo(refundMemo(tx, 0, "zero_amount")), hub)).to.deep.equal([]);
    // 20 sequences of 7 digits fit the hub's memo limit; the writer refuses what does not
    const many = Array.from({ length: 20 }, (_, i) => 9_999_000n + BigInt(i));
    expect(releaseBatchMemo(source, many).length).to.be.at.most(MAX_MEMO_CHARS);
    const tooMany = Array.from({ length: 40 }, (_, i) => 9_999_000n + BigInt(i));
    expect(fitsReleaseBatchMemo(source, tooMany)).to.equal(false);
    expect(() => releaseBatchMemo(source, tooMany)).to.throw(/256/);
    expect(() => releaseBatchMemo(source, [])).to.throw(/at least one/);
    expect(() => releaseBatchMemo(source, [0n])).to.throw(/positive/);
    expect(() => releaseBatchMemo({ ...source, bridge: "0x12" }, [1n])).to.throw(/address/);
  });

  it("reads a malformed batch memo as 'other' (it pays nothing the ledger could name)", () => {
    const b = "5fbdb2315678afecb367f032d93f642f64180aa3";
    for (const memo of [
      `{"bridge_releases":{"chain":31337,"bridge":"${b}","seq":[]}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"${b}","seq":[0]}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"${b}","seq":["1"]}}`,
      `{"bridge_releases":{"chain":"31337","bridge":"${b}","seq":[1]}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"0x${b}","seq":[1]}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"${b.toUpperCase()}","seq":[1]}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"${b}","seq":[1],"x":1}}`,
      `{"bridge_releases":{"chain":31337,"bridge":"${b}","seq":[1.5]}}`,
    ]) {
      expect(parseEscrowMemo(memo).kind, memo).to.equal("other");
    }
  });
});
