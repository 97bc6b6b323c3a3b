import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  INT160_MAX,
  INT160_MIN,
  UINT48_MAX,
  oracleDomain,
  reportBatchDigest,
  reportBatchMessage,
  packReports,
  signReportBatch,
  toOracleReport,
} from "../../../lib/eip712/oracle";
import {
  NotEnoughSignaturesError,
  combineSignatures,
  recoverSignature,
  signDigest,
  splitSignatures,
} from "../../../lib/eip712/signatures";
import { rotationDigest, rotationMessage } from "../../../lib/eip712/attester-sets";
import { attesters, deployOracle } from "./helpers";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("lib/eip712 (oracle signing helpers) against the contract", () => {
  const fixture = () => deployOracle(5, 3);

  const reportArb = fc.record({
    topicId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    value: fc.bigInt({ min: INT160_MIN, max: INT160_MAX }),
    nonce: fc.bigInt({ min: 1n, max: UINT48_MAX }),
    timestamp: fc.bigInt({ min: 0n, max: UINT48_MAX }),
  });

  it("reportBatchDigest equals the contract's hashReportBatch for arbitrary batches", async () => {
    const f = await loadFixture(fixture);
    const domain = oracleDomain(f.chainId, await f.oracle.getAddress());
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
        fc.array(reportArb, { minLength: 1, maxLength: 6 }),
        async (setId, reports) => {
          const message = reportBatchMessage(setId, reports);
          const onChain = await f.oracle.hashReportBatch(setId, message.reports);
          expect(reportBatchDigest(domain, message)).to.equal(onChain);
        },
      ),
      seeded({ numRuns: 40 }),
    );
  });

  it("packReports and unpackReports round-trip, and the contract packs a struct report to the same bytes", async () => {
    const f = await loadFixture(fixture);
    const { unpackReports } = await import("../../../lib/eip712/oracle");
    fc.assert(
      fc.property(fc.array(reportArb, { minLength: 1, maxLength: 8 }), (reports) => {
        const packed = packReports(reports);
        expect(ethers.dataLength(packed)).to.equal(40 * reports.length);
        expect(unpackReports(packed)).to.deep.equal(reports);
      }),
      seeded({ numRuns: 200 }),
    );
    expect(() => unpackReports("0x" + "00".repeat(41))).to.throw(/40 bytes per report; got 41 bytes/);
    // The contract's own packing of each struct report is the same bytes.
    await fc.assert(
      fc.asyncProperty(reportArb.filter((r) => r.timestamp > 0n && r.timestamp < 10n ** 9n), async (r) => {
        expect(await f.oracle.packReport(r)).to.equal(packReports([r]));
      }),
      seeded({ numRuns: 25 }),
    );
  });

  it("signatures from ethers signTypedData, combined, are accepted by submit", async () => {
    const f = await loadFixture(fixture);
    const domain = oracleDomain(f.chainId, await f.oracle.getAddress());
    const now = BigInt(await time.latest());
    const message = reportBatchMessage(1n, [
      { topicId: 1, value: "-1500000000000000000", nonce: 10, timestamp: now },
      { topicId: 2, value: 7n, nonce: 11, timestamp: now },
    ]);
    // Reverse order, one duplicate, one outsider: the combiner must sort, dedupe and filter.
    const outsider = attesters(1, "outsider")[0];
    const parts = await Promise.all(
      [f.signers[4], f.signers[2], f.signers[0], f.signers[2], outsider].map((w) =>
        signReportBatch(w, domain, message),
      ),
    );
    expect(parts[0].signer).to.equal(f.signers[4].address);
    const digest = reportBatchDigest(domain, message);
    const combined = combineSignatures(
      digest,
      parts.map((p) => p.signature),
      { threshold: 3, allowedSigners: f.signers.map((s) => s.address) },
    );
    const signers = splitSignatures(combined).map((s) => recoverSignature(digest, s).signer);
    expect(signers).to.deep.equal([f.signers[0].address, f.signers[2].address, f.signers[4].address]);
    await expect(f.oracle.submit(message.reports, combined))
      .to.emit(f.oracle, "InferenceUpdated")
      .withArgs(1n, -1500000000000000000n, 10n, now);
  });

  it("combineSignatures reports a clear error under the threshold", () => {
    const wallets = attesters(3);
    const digest = ethers.id("digest");
    const signatures = [signDigest(wallets[0].privateKey, digest), signDigest(wallets[0].privateKey, digest)];
    expect(() => combineSignatures(digest, signatures, { threshold: 2 }))
      .to.throw(NotEnoughSignaturesError)
      .with.property("message")
      .that.matches(/have 1 distinct valid attester signature\(s\), threshold is 2/);
    expect(() =>
      combineSignatures(digest, [signDigest(wallets[1].privateKey, digest)], {
        threshold: 1,
        allowedSigners: [wallets[0].address],
      }),
    ).to.throw(NotEnoughSignaturesError);
    expect(() => combineSignatures(digest, signatures, { threshold: 0 })).to.throw(
      /threshold must be a positive/,
    );
    expect(() => combineSignatures("0x1234", signatures, { threshold: 1 })).to.throw(
      /digest must be 32 bytes/,
    );
  });

  it("recoverSignature normalises v 0/1 and rejects high-s, bad v and bad length", () => {
    const [wallet] = attesters(1);
    const digest = ethers.id("x");
    const signature = ethers.Signature.from(signDigest(wallet.privateKey, digest));
    const zeroOne = ethers.concat([signature.r, signature.s, ethers.toBeHex(signature.v - 27)]);
    const recovered = recoverSignature(digest, zeroOne);
    expect(recovered.signer).to.equal(wallet.address);
    expect(recovered.signature).to.equal(signature.serialized);
    const highS = ethers.concat([
      signature.r,
      ethers.toBeHex(SECP256K1_N - BigInt(signature.s), 32),
      ethers.toBeHex(signature.v === 27 ? 28 : 27),
    ]);
    expect(() => recoverSignature(digest, highS)).to.throw(/high s/);
    expect(() => recoverSignature(digest, ethers.concat([signature.r, signature.s, "0x05"]))).to.throw(
      /v must be 27 or 28/,
    );
    expect(() => recoverSignature(digest, signature.r)).to.throw(/must be 65 bytes/);
    expect(() => splitSignatures("0x00")).to.throw(/multiple of 65/);
  });

  it("toOracleReport and reportBatchMessage name the bad field", () => {
    const ok = { topicId: 1, value: 1, nonce: 1, timestamp: 1 };
    expect(toOracleReport(ok)).to.deep.equal({ topicId: 1n, value: 1n, nonce: 1n, timestamp: 1n });
    expect(() => toOracleReport({ ...ok, value: INT160_MAX + 1n })).to.throw(/does not fit int160/);
    expect(() => toOracleReport({ ...ok, nonce: 0 })).to.throw(/nonce 0 .* must be in 1\.\.2\^48-1/);
    expect(() => toOracleReport({ ...ok, topicId: -1 })).to.throw(/topicId -1 is not a uint64/);
    expect(() => toOracleReport({ ...ok, timestamp: UINT48_MAX + 1n })).to.throw(/timestamp/);
    expect(() => reportBatchMessage(1, [])).to.throw(/at least one report/);
  });

  it("rotationDigest matches what rotateAttesterSet verifies", async () => {
    const f = await loadFixture(fixture);
    const domain = oracleDomain(f.chainId, await f.oracle.getAddress());
    const next = attesters(4, "rotation-lib");
    // Unsorted input: the helper sorts, as the contract requires.
    const message = rotationMessage(
      1n,
      7n,
      [...next].reverse().map((w) => w.address),
      3,
    );
    expect(message.signers).to.deep.equal(next.map((w) => w.address));
    const digest = rotationDigest(domain, message);
    const combined = combineSignatures(
      digest,
      f.signers.map((w) => signDigest(w.privateKey, digest)),
      { threshold: 3 },
    );
    await f.oracle.rotateAttesterSet(7n, message.signers, 3, combined);
    expect(await f.oracle.attesterSetId()).to.equal(7n);
  });
});
