import { expect } from "chai";
import fc from "fast-check";
import { seeded } from "../fc-seed";
import { AbiCoder } from "ethers";
import { oracleDomain, reportBatchDigest as libDigest, reportBatchMessage } from "../../lib/eip712/oracle";
import { fastReportBatchDigest, fastTransferDigest, FAST_DIGEST_TYPES_MATCH, FAST_TRANSFER_TYPES_MATCH } from "../../relayer/attest/fast-digest";
import { transferDigest } from "../../lib/eip712/bridge";
import { reportBatchDigest } from "../../relayer/attest/eip712";
import { decodeInferenceUpdated, oracleInterface } from "../../relayer/evm/oracle";

const INT160 = 1n << 159n;
const report = fc.record({
  topicId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  value: fc.bigInt({ min: -INT160, max: INT160 - 1n }),
  nonce: fc.bigInt({ min: 1n, max: (1n << 48n) - 1n }),
  timestamp: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
});

describe("relayer EIP-712: fast digest equals lib/eip712", () => {
  it("hard-codes the library's Report type", () => expect(FAST_DIGEST_TYPES_MATCH).to.equal(true));

  it("matches reportBatchDigest for random batches, chains, oracles and set ids", () => {
    fc.assert(
      fc.property(
        fc.array(report, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (reports, chainId, addr, setId) => {
          const oracle = "0x" + Buffer.from(addr).toString("hex");
          return fastReportBatchDigest(chainId, oracle, setId, reports) === libDigest(oracleDomain(chainId, oracle), reportBatchMessage(setId, reports));
        },
      ),
      seeded({ numRuns: 200 }),
    );
  });

  it("still enforces the contract's bounds with the library's messages", () => {
    const oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    expect(() => reportBatchDigest(1, oracle, 1n, [])).to.throw(/at least one report/);
    expect(() => reportBatchDigest(1, oracle, 1n, [{ topicId: 1n, value: INT160, nonce: 1n, timestamp: 0n }])).to.throw(/int160/);
    expect(() => reportBatchDigest(1, oracle, 1n, [{ topicId: 1n, value: 0n, nonce: 0n, timestamp: 0n }])).to.throw(/nonce/);
  });

  it("decodes InferenceUpdated logs like the ABI decoder, negative values included", () => {
    fc.assert(
      // topic ids are JS-safe integers in the relayer (config numbers)
      fc.property(report.filter((r) => r.topicId <= BigInt(Number.MAX_SAFE_INTEGER)), (r) => {
        const ev = oracleInterface.getEvent("InferenceUpdated")!;
        const { data, topics } = oracleInterface.encodeEventLog(ev, [r.topicId, r.value, r.nonce, r.timestamp]);
        const got = decodeInferenceUpdated({ topics, data });
        return got !== undefined && BigInt(got.topicId) === r.topicId && got.value === r.value && got.nonce === r.nonce && BigInt(got.timestamp) === r.timestamp;
      }),
      seeded({ numRuns: 200 }),
    );
    expect(decodeInferenceUpdated({ topics: ["0x" + "00".repeat(32)], data: AbiCoder.defaultAbiCoder().encode(["uint256"], [1]) })).to.equal(undefined);
  });

  it("hard-codes the library's Transfer type", () => expect(FAST_TRANSFER_TYPES_MATCH).to.equal(true));

  it("matches transferDigest for random transfers, chains, bridges and set ids", () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => "0x" + Buffer.from(b).toString("hex"));
    fc.assert(
      fc.property(u64, bytes(20), u64, u64, bytes(32), u64, bytes(20), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (chainId, verifyingContract, setId, sourceChain, sourceBridge, sequence, recipient, amount) => {
        const domain = { chainId, verifyingContract };
        const t = { setId, sourceChain, sourceBridge, sequence, recipient, amount };
        return fastTransferDigest(domain, t) === transferDigest(domain, t);
      }),
      seeded({ numRuns: 200 }),
    );
  });

  it("refuses what the EIP-712 types cannot hold, as the library does", () => {
    const domain = { chainId: 1n, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    const t = { setId: 1n, sourceChain: 2n, sourceBridge: "0x" + "11".repeat(32), sequence: 3n, recipient: "0x" + "22".repeat(20), amount: 4n };
    for (const bad of [{ sequence: 1n << 64n }, { setId: -1n }, { amount: 1n << 256n }, { sourceBridge: "0x" + "11".repeat(31) }, { recipient: "0x1234" }]) {
      expect(() => fastTransferDigest(domain, { ...t, ...bad }), JSON.stringify(bad, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).to.throw();
      expect(() => transferDigest(domain, { ...t, ...bad })).to.throw();
    }
  });
});
