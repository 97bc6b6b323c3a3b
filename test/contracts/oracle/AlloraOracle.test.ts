import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  INT160_MAX,
  INT160_MIN,
  UINT48_MAX,
  packReports,
  reportStruct,
  type OracleReport,
} from "../../../lib/eip712/oracle";
import { signDigest } from "../../../lib/eip712/signatures";
import {
  ONE,
  attesters,
  deployOracle,
  rawSignatures,
  report,
  fundAllo,
  sign,
  signReports,
  type OracleFixture,
} from "./helpers";

const tuples = (reports: OracleReport[]) => packReports(reports);

/**
 * Packs reports without the TypeScript bounds checks (packReports refuses a zero nonce), so tests can hand
 * the contract what a faulty or hostile attester set might sign.
 */
const rawPack = (reports: OracleReport[]) =>
  ethers.concat(
    reports.map((r) =>
      ethers.solidityPacked(["uint64", "uint48", "uint48", "int160"], [r.topicId, r.timestamp, r.nonce, r.value]),
    ),
  );

async function fixture5of3(): Promise<OracleFixture> {
  return deployOracle(5, 3);
}

describe("AlloraOracle", () => {
  describe("deployment", () => {
    it("grants admin and guardian roles, records the token and the attester set", async () => {
      const f = await loadFixture(fixture5of3);
      const [admin, guardian] = await ethers.getSigners();
      expect(await f.oracle.hasRole(await f.oracle.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await f.oracle.hasRole(await f.oracle.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
      expect(await f.oracle.hasRole(await f.oracle.GUARDIAN_ROLE(), admin.address)).to.equal(false);
      expect(await f.oracle.paymentToken()).to.equal(await f.token.getAddress());
      const [setId, signers, threshold] = await f.oracle.attesterSet();
      expect(setId).to.equal(1n);
      expect(signers).to.deep.equal(f.signers.map((s) => s.address));
      expect(threshold).to.equal(3n);
      expect(await f.oracle.MAX_FUTURE_DRIFT()).to.equal(600n);
      expect(await f.oracle.requestCount()).to.equal(0n);
      expect(await f.oracle.paused()).to.equal(false);
    });

    it("rejects zero admin, guardian and token addresses", async () => {
      const [a, g] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("AlloraOracle");
      const signers = attesters(1).map((s) => s.address);
      const token = a.address; // any non-zero address works for the constructor
      // AccessControlDefaultAdminRules refuses a zero first admin itself.
      await expect(factory.deploy(ethers.ZeroAddress, g.address, token, 1, signers, 1, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
      await expect(factory.deploy(a.address, ethers.ZeroAddress, token, 1, signers, 1, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("guardian");
      await expect(factory.deploy(a.address, g.address, ethers.ZeroAddress, 1, signers, 1, ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("paymentToken");
    });
  });

  describe("submit", () => {
    it("stores a report and emits InferenceUpdated; anyone may call", async () => {
      const f = await loadFixture(fixture5of3);
      const [, , stranger] = await ethers.getSigners();
      const r = await report(7n, 3150n * ONE, 100n);
      await expect(f.oracle.connect(stranger).submit(tuples([r]), await sign(f, [r])))
        .to.emit(f.oracle, "InferenceUpdated")
        .withArgs(7n, r.value, 100n, r.timestamp);
      expect(await f.oracle.latestInference(7n)).to.deep.equal([r.value, 100n, r.timestamp]);
    });

    it("stores many topics in one batch, including negative and extreme int160 values", async () => {
      const f = await loadFixture(fixture5of3);
      const now = BigInt(await time.latest());
      const reports: OracleReport[] = [
        { topicId: 1n, value: -5n * ONE, nonce: 10n, timestamp: now },
        { topicId: 2n, value: INT160_MAX, nonce: UINT48_MAX, timestamp: now },
        { topicId: 3n, value: INT160_MIN, nonce: 1n, timestamp: 1n },
        { topicId: 2n ** 64n - 1n, value: 0n, nonce: 4n, timestamp: now },
      ];
      await f.oracle.submit(tuples(reports), await sign(f, reports));
      for (const r of reports) {
        expect(await f.oracle.latestInference(r.topicId)).to.deep.equal([r.value, r.nonce, r.timestamp]);
      }
    });

    it("packs value, nonce and timestamp into one slot at the ERC-7201 namespace base + topic id", async () => {
      const f = await loadFixture(fixture5of3);
      const r = { ...(await report(42n, -7n * ONE, 123456n)) };
      await f.oracle.submit(tuples([r]), await sign(f, [r]));
      const inner = BigInt(ethers.id("allora.oracle.inferences")) - 1n;
      const base =
        BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [inner]))) & ~0xffn;
      const word = BigInt(await ethers.provider.getStorage(await f.oracle.getAddress(), base + 42n));
      const mask160 = (1n << 160n) - 1n;
      expect(word & mask160).to.equal(BigInt.asUintN(160, r.value));
      expect((word >> 160n) & UINT48_MAX).to.equal(123456n);
      expect(word >> 208n).to.equal(r.timestamp);
    });

    it("skips a report whose nonce is not above the stored one and still stores the rest", async () => {
      const f = await loadFixture(fixture5of3);
      const first = [await report(1n, 10n, 50n), await report(2n, 20n, 50n)];
      await f.oracle.submit(tuples(first), await sign(f, first));
      const batch = [await report(1n, 11n, 49n), await report(2n, 21n, 50n), await report(3n, 30n, 1n)];
      const tx = f.oracle.submit(tuples(batch), await sign(f, batch));
      await expect(tx).to.emit(f.oracle, "ReportSkipped").withArgs(1n, 49n, 50n);
      await expect(tx).to.emit(f.oracle, "ReportSkipped").withArgs(2n, 50n, 50n);
      await expect(tx).to.emit(f.oracle, "InferenceUpdated").withArgs(3n, 30n, 1n, batch[2].timestamp);
      expect((await f.oracle.latestInference(1n))[0]).to.equal(10n);
      expect((await f.oracle.latestInference(2n))[0]).to.equal(20n);
    });

    it("keeps the first of two reports with the same topic and nonce in one batch", async () => {
      const f = await loadFixture(fixture5of3);
      const batch = [await report(1n, 10n, 5n), await report(1n, 99n, 5n), await report(1n, 12n, 6n)];
      await expect(f.oracle.submit(tuples(batch), await sign(f, batch)))
        .to.emit(f.oracle, "ReportSkipped")
        .withArgs(1n, 5n, 5n);
      expect((await f.oracle.latestInference(1n))[0]).to.equal(12n);
    });

    it("treats a replayed old report as a skip, not a rollback", async () => {
      const f = await loadFixture(fixture5of3);
      const old = [await report(1n, 1n, 5n)];
      const oldSignatures = await sign(f, old);
      await f.oracle.submit(tuples(old), oldSignatures);
      const fresh = [await report(1n, 2n, 6n)];
      await f.oracle.submit(tuples(fresh), await sign(f, fresh));
      await expect(f.oracle.submit(tuples(old), oldSignatures))
        .to.emit(f.oracle, "ReportSkipped")
        .withArgs(1n, 5n, 6n);
      expect(await f.oracle.latestInference(1n)).to.deep.equal([2n, 6n, fresh[0].timestamp]);
    });

    it("reverts on an empty batch", async () => {
      const f = await loadFixture(fixture5of3);
      await expect(f.oracle.submit("0x", "0x")).to.be.revertedWithCustomError(f.oracle, "EmptyBatch");
    });

    it("reverts on a batch whose length is not a multiple of 40 bytes", async () => {
      const f = await loadFixture(fixture5of3);
      const good = tuples([await report(1n, 1n, 1n), await report(2n, 2n, 1n)]);
      for (const reports of [ethers.dataSlice(good, 0, 39), ethers.concat([good, "0x00"]), "0x01"]) {
        const length = BigInt(ethers.dataLength(reports));
        await expect(f.oracle.submit(reports, "0x"))
          .to.be.revertedWithCustomError(f.oracle, "MalformedBatch")
          .withArgs(length, 40n);
        await expect(f.oracle.hashReportBatch(1n, reports))
          .to.be.revertedWithCustomError(f.oracle, "MalformedBatch")
          .withArgs(length, 40n);
      }
      await expect(f.oracle.hashReportBatch(1n, "0x")).to.be.revertedWithCustomError(f.oracle, "EmptyBatch");
    });

    it("reads a packed value as int160: the 20 bytes are sign-extended, never out of range", async () => {
      const f = await loadFixture(fixture5of3);
      const reports = [
        { ...(await report(1n, -1n, 1n)) },
        { ...(await report(2n, INT160_MIN, 1n)) },
        { ...(await report(3n, INT160_MAX, 1n)) },
      ];
      const tx = f.oracle.submit(tuples(reports), await sign(f, reports));
      for (const r of reports) {
        await expect(tx).to.emit(f.oracle, "InferenceUpdated").withArgs(r.topicId, r.value, 1n, r.timestamp);
      }
      expect((await f.oracle.latestInference(1n))[0]).to.equal(-1n);
    });

    it("reverts on a signed report with a zero nonce", async () => {
      const f = await loadFixture(fixture5of3);
      const packed = rawPack([{ ...(await report(4n, 1n, 1n)), nonce: 0n }]);
      const digest = await f.oracle.hashReportBatch(1n, packed);
      await expect(f.oracle.submit(packed, rawSignatures(f.signers.slice(0, 3), digest)))
        .to.be.revertedWithCustomError(f.oracle, "InvalidNonce")
        .withArgs(4n);
    });

    it("reverts on a signed report with a zero timestamp, in a batch and in pull mode", async () => {
      const f = await loadFixture(fixture5of3);
      const zero = { ...(await report(4n, 1n, 1n)), timestamp: 0n };
      const good = await report(5n, 2n, 1n);
      const packed = rawPack([good, zero]);
      const digest = await f.oracle.hashReportBatch(1n, packed);
      await expect(f.oracle.submit(packed, rawSignatures(f.signers.slice(0, 3), digest)))
        .to.be.revertedWithCustomError(f.oracle, "ZeroTimestamp")
        .withArgs(4n);
      expect((await f.oracle.latestInference(5n))[1]).to.equal(0n);
      const single = await f.oracle.hashReportBatch(1n, rawPack([zero]));
      const sigs = rawSignatures(f.signers.slice(0, 3), single);
      const calls = [
        () => f.oracle.verifyReport(zero, sigs),
        () => f.oracle.verifyReportNoOlderThanStored(zero, sigs),
        () => f.oracle.verifyAndStore(zero, sigs),
        () => f.oracle.packReport(zero),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(f.oracle, "ZeroTimestamp").withArgs(4n);
      }
    });

    it("a malformed report anywhere in a batch reverts the batch with that report's error", async () => {
      const f = await loadFixture(fixture5of3);
      const good = [await report(1n, 1n, 1n), await report(2n, 2n, 1n)];
      const bad = { ...(await report(3n, 0n, 1n)), nonce: 0n };
      const packed = rawPack([...good, bad, await report(4n, 4n, 1n)]);
      const digest = await f.oracle.hashReportBatch(1n, packed);
      await expect(f.oracle.submit(packed, rawSignatures(f.signers.slice(0, 3), digest)))
        .to.be.revertedWithCustomError(f.oracle, "InvalidNonce")
        .withArgs(3n);
      expect((await f.oracle.latestInference(1n))[1]).to.equal(0n);
    });

    it("judges signatures before report contents; a batch that fails either stores and emits nothing", async () => {
      const f = await loadFixture(fixture5of3);
      const good = [await report(1n, 1n, 1n), await report(2n, 2n, 1n)];
      const bad = { ...(await report(3n, 0n, 1n)), nonce: 0n };
      const batch = rawPack([...good, bad, await report(4n, 4n, 1n)]);
      const digest = await f.oracle.hashReportBatch(1n, batch);
      const strangers = attesters(3, "stranger");
      // Bad signatures and a malformed report: the signature error (verification runs first).
      await expect(f.oracle.submit(batch, rawSignatures(strangers, digest))).to.be.revertedWithCustomError(
        f.oracle,
        "UnknownSigner",
      );
      await expect(f.oracle.submit(batch, rawSignatures(f.signers.slice(0, 2), digest)))
        .to.be.revertedWithCustomError(f.oracle, "TooFewSignatures")
        .withArgs(2n, 3n);
      // Well-formed reports the set did not sign.
      await expect(
        f.oracle.submit(tuples(good), await sign(f, good, strangers)),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      const otherDigest = await f.oracle.hashReportBatch(1n, tuples([good[0]]));
      await expect(
        f.oracle.submit(tuples(good), rawSignatures(f.signers.slice(0, 3), otherDigest)),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      for (const topicId of [1n, 2n, 4n]) {
        expect(await f.oracle.latestInference(topicId)).to.deep.equal([0n, 0n, 0n]);
      }
    });

    it("accepts a timestamp up to MAX_FUTURE_DRIFT ahead and rejects one beyond", async () => {
      const f = await loadFixture(fixture5of3);
      const next = BigInt(await time.latest()) + 1n; // the submit's block time (automine, +1 s)
      await time.setNextBlockTimestamp(next);
      const ok = { topicId: 1n, value: 1n, nonce: 1n, timestamp: next + 600n };
      await f.oracle.submit(packReports([ok]), await sign(f, [ok]));
      const tooFar = { topicId: 1n, value: 1n, nonce: 2n, timestamp: next + 1n + 601n };
      await time.setNextBlockTimestamp(next + 1n);
      await expect(f.oracle.submit(packReports([tooFar]), await sign(f, [tooFar])))
        .to.be.revertedWithCustomError(f.oracle, "FutureTimestamp")
        .withArgs(1n, tooFar.timestamp, next + 1n);
    });
  });

  describe("signature checks on submit", () => {
    it("rejects a report signed for another chain id", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const signatures = signReports(f.signers.slice(0, 3), r, {
        chainId: f.chainId + 1n,
        oracle: await f.oracle.getAddress(),
        setId: 1n,
      });
      await expect(f.oracle.submit(tuples(r), signatures)).to.be.revertedWithCustomError(
        f.oracle,
        "UnknownSigner",
      );
    });

    it("rejects a report signed for another oracle address", async () => {
      const f = await loadFixture(fixture5of3);
      const [admin, guardian] = await ethers.getSigners();
      const other = await (
        await ethers.getContractFactory("AlloraOracle")
      ).deploy(
        admin.address,
        guardian.address,
        await f.token.getAddress(),
        1n,
        f.signers.map((s) => s.address),
        3,
        ethers.ZeroAddress,
        0,
      );
      const r = [await report(1n, 1n, 1n)];
      const forOther = signReports(f.signers.slice(0, 3), r, {
        chainId: f.chainId,
        oracle: await other.getAddress(),
        setId: 1n,
      });
      await other.submit(tuples(r), forOther); // valid where it was meant to go
      await expect(f.oracle.submit(tuples(r), forOther)).to.be.revertedWithCustomError(
        f.oracle,
        "UnknownSigner",
      );
    });

    it("rejects a report signed under another attester set id", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const signatures = signReports(f.signers.slice(0, 3), r, {
        chainId: f.chainId,
        oracle: await f.oracle.getAddress(),
        setId: 2n,
      });
      await expect(f.oracle.submit(tuples(r), signatures)).to.be.revertedWithCustomError(
        f.oracle,
        "UnknownSigner",
      );
    });

    it("rejects fewer signatures than the threshold", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      await expect(f.oracle.submit(tuples(r), await sign(f, r, f.signers.slice(0, 2))))
        .to.be.revertedWithCustomError(f.oracle, "TooFewSignatures")
        .withArgs(2n, 3n);
    });

    it("rejects a duplicate signer", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const digest = await f.oracle.hashReportBatch(1n, tuples(r));
      const signatures = rawSignatures([f.signers[0], f.signers[1], f.signers[1]], digest);
      await expect(f.oracle.submit(tuples(r), signatures))
        .to.be.revertedWithCustomError(f.oracle, "DuplicateSigner")
        .withArgs(f.signers[1].address);
    });

    it("rejects signatures out of signer order", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const digest = await f.oracle.hashReportBatch(1n, tuples(r));
      const signatures = rawSignatures([f.signers[0], f.signers[2], f.signers[1]], digest);
      await expect(f.oracle.submit(tuples(r), signatures))
        .to.be.revertedWithCustomError(f.oracle, "SignersNotSorted")
        .withArgs(f.signers[2].address, f.signers[1].address);
    });

    it("rejects a signer outside the set, even as an extra signature", async () => {
      const f = await loadFixture(fixture5of3);
      const outsider = attesters(1, "outsider")[0];
      const r = [await report(1n, 1n, 1n)];
      const digest = await f.oracle.hashReportBatch(1n, tuples(r));
      const wallets = [...f.signers.slice(0, 3), outsider].sort((a, b) =>
        BigInt(a.address) < BigInt(b.address) ? -1 : 1,
      );
      await expect(f.oracle.submit(tuples(r), rawSignatures(wallets, digest)))
        .to.be.revertedWithCustomError(f.oracle, "UnknownSigner")
        .withArgs(outsider.address);
    });

    it("rejects a high-s (malleable) signature", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const digest = await f.oracle.hashReportBatch(1n, tuples(r));
      const parts = f.signers.slice(0, 3).map((w) => ethers.Signature.from(signDigest(w.privateKey, digest)));
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const flipped = ethers.concat([
        parts[1].r,
        ethers.toBeHex(n - BigInt(parts[1].s), 32),
        ethers.toBeHex(parts[1].v === 27 ? 28 : 27),
      ]);
      // Under the bare ecrecover precompile the flipped signature recovers the same signer; the contract must
      // still refuse it.
      const recovered = await ethers.provider.call({
        to: "0x0000000000000000000000000000000000000001",
        data: ethers.concat([
          digest,
          ethers.zeroPadValue(ethers.dataSlice(flipped, 64), 32),
          ethers.dataSlice(flipped, 0, 64),
        ]),
      });
      expect(ethers.getAddress(ethers.dataSlice(recovered, 12))).to.equal(f.signers[1].address);
      const signatures = ethers.concat([parts[0].serialized, flipped, parts[2].serialized]);
      await expect(f.oracle.submit(tuples(r), signatures))
        .to.be.revertedWithCustomError(f.oracle, "InvalidSignature")
        .withArgs(1n);
    });

    it("rejects a signature with an invalid v and a signatures length not a multiple of 65", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 1n, 1n)];
      const digest = await f.oracle.hashReportBatch(1n, tuples(r));
      const good = rawSignatures(f.signers.slice(0, 3), digest);
      const badV = ethers.getBytes(good);
      badV[64] = 29;
      await expect(f.oracle.submit(tuples(r), badV))
        .to.be.revertedWithCustomError(f.oracle, "InvalidSignature")
        .withArgs(0n);
      await expect(f.oracle.submit(tuples(r), ethers.concat([good, "0x00"])))
        .to.be.revertedWithCustomError(f.oracle, "InvalidSignaturesLength")
        .withArgs(196n);
      await expect(f.oracle.submit(tuples(r), "0x"))
        .to.be.revertedWithCustomError(f.oracle, "InvalidSignaturesLength")
        .withArgs(0n);
    });

    it("rejects a report whose signed value was altered", async () => {
      const f = await loadFixture(fixture5of3);
      const r = [await report(1n, 100n, 1n)];
      const signatures = await sign(f, r);
      await expect(
        f.oracle.submit(tuples([{ ...r[0], value: 101n }]), signatures),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
    });

    it("rejects signatures from a retired set after rotation, accepts the new set", async () => {
      const f = await loadFixture(fixture5of3);
      const next = attesters(3, "next-set");
      const domain = {
        name: "AlloraOracle",
        version: "1",
        chainId: f.chainId,
        verifyingContract: await f.oracle.getAddress(),
      };
      const message = { currentSetId: 1n, newSetId: 2n, signers: next.map((w) => w.address), threshold: 2 };
      const { rotationDigest } = await import("../../../lib/eip712/attester-sets");
      const digest = rotationDigest(domain, message);
      await expect(
        f.oracle.rotateAttesterSet(2n, message.signers, 2, rawSignatures(f.signers.slice(0, 3), digest)),
      )
        .to.emit(f.oracle, "AttesterSetRotated")
        .withArgs(1n, 2n, message.signers, 2n);
      const r = [await report(1n, 1n, 1n)];
      const oracle = await f.oracle.getAddress();
      // Old set, old id: signers retired.
      await expect(
        f.oracle.submit(
          tuples(r),
          signReports(f.signers.slice(0, 3), r, { chainId: f.chainId, oracle, setId: 1n }),
        ),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      // Old set, new id: still retired.
      await expect(
        f.oracle.submit(
          tuples(r),
          signReports(f.signers.slice(0, 3), r, { chainId: f.chainId, oracle, setId: 2n }),
        ),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      // New set, old id: the digest binds the set id.
      await expect(
        f.oracle.submit(
          tuples(r),
          signReports(next.slice(0, 2), r, { chainId: f.chainId, oracle, setId: 1n }),
        ),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      await f.oracle.submit(
        tuples(r),
        signReports(next.slice(0, 2), r, { chainId: f.chainId, oracle, setId: 2n }),
      );
      expect((await f.oracle.latestInference(1n))[1]).to.equal(1n);
    });
  });

  describe("pull mode", () => {
    it("verifyReport returns a signed report without storing it", async () => {
      const f = await loadFixture(fixture5of3);
      const r = await report(9n, -42n, 3n);
      const result = await f.oracle.verifyReport(reportStruct(r), await sign(f, [r]));
      expect([result.value, result.nonce, result.timestamp]).to.deep.equal([-42n, 3n, r.timestamp]);
      expect(await f.oracle.latestInference(9n)).to.deep.equal([0n, 0n, 0n]);
    });

    it("verifyReport rejects bad signatures and malformed reports", async () => {
      const f = await loadFixture(fixture5of3);
      const r = await report(9n, 1n, 3n);
      await expect(
        f.oracle.verifyReport(reportStruct(r), await sign(f, [r], f.signers.slice(0, 2))),
      ).to.be.revertedWithCustomError(f.oracle, "TooFewSignatures");
      await expect(
        f.oracle.verifyReport(reportStruct({ ...r, value: 2n }), await sign(f, [r])),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
      const future = { ...r, timestamp: r.timestamp + 10_000n };
      await expect(
        f.oracle.verifyReport(reportStruct(future), await sign(f, [future])),
      ).to.be.revertedWithCustomError(f.oracle, "FutureTimestamp");
    });

    it("verifyReport accepts an older signed report while a newer one is stored; verifyReportNoOlderThanStored refuses it", async () => {
      const f = await loadFixture(fixture5of3);
      const older = await report(9n, 100n, 3n);
      const olderSigs = await sign(f, [older]);
      const newer = await report(9n, 90n, 4n);
      await f.oracle.submit(packReports([newer]), await sign(f, [newer]));
      // The documented weakness of verifyReport: the caller picks the report (here the higher, older value).
      expect((await f.oracle.verifyReport(reportStruct(older), olderSigs)).value).to.equal(100n);
      await expect(f.oracle.verifyReportNoOlderThanStored(reportStruct(older), olderSigs))
        .to.be.revertedWithCustomError(f.oracle, "ReportOlderThanStored")
        .withArgs(9n, 3n, 4n);
      // The stored report itself, and a newer one, pass.
      const same = await f.oracle.verifyReportNoOlderThanStored(reportStruct(newer), await sign(f, [newer]));
      expect([same.value, same.nonce]).to.deep.equal([90n, 4n]);
      const newest = await report(9n, 95n, 5n);
      const result = await f.oracle.verifyReportNoOlderThanStored(reportStruct(newest), await sign(f, [newest]));
      expect([result.value, result.nonce, result.timestamp]).to.deep.equal([95n, 5n, newest.timestamp]);
      // It verifies like verifyReport (signatures of the current set), and does not store.
      await expect(
        f.oracle.verifyReportNoOlderThanStored(reportStruct(newest), await sign(f, [newest], f.signers.slice(0, 2))),
      ).to.be.revertedWithCustomError(f.oracle, "TooFewSignatures");
      expect((await f.oracle.latestInference(9n))[1]).to.equal(4n);
    });

    it("a single report is signed as a batch of one (the submit signatures verify it)", async () => {
      const f = await loadFixture(fixture5of3);
      const r = await report(9n, 5n, 3n);
      const signatures = await sign(f, [r]);
      await f.oracle.verifyReport(reportStruct(r), signatures);
      await f.oracle.submit(packReports([r]), signatures);
    });

    it("verifyAndStore rejects a malformed signed report", async () => {
      const f = await loadFixture(fixture5of3);
      // A struct report is checked before its signatures (it has no packed form to sign when out of range).
      const sigs = rawSignatures(f.signers.slice(0, 3), ethers.id("anything"));
      for (const nonce of [0n, UINT48_MAX + 1n]) {
        const r = { ...(await report(9n, 1n, 1n)), nonce };
        await expect(f.oracle.verifyAndStore(r, sigs)).to.be.revertedWithCustomError(f.oracle, "InvalidNonce").withArgs(9n);
        await expect(f.oracle.verifyReport(r, sigs)).to.be.revertedWithCustomError(f.oracle, "InvalidNonce").withArgs(9n);
        await expect(f.oracle.packReport(r)).to.be.revertedWithCustomError(f.oracle, "InvalidNonce").withArgs(9n);
      }
      for (const value of [INT160_MAX + 1n, INT160_MIN - 1n, 2n ** 255n - 1n, -(2n ** 255n)]) {
        const r = { ...(await report(9n, 0n, 1n)), value };
        // Each call is made only when awaited: a rejected promise left waiting would be an unhandled rejection.
        const calls = [() => f.oracle.verifyAndStore(r, sigs), () => f.oracle.verifyReport(r, sigs), () => f.oracle.packReport(r)];
        for (const call of calls) {
          await expect(call()).to.be.revertedWithCustomError(f.oracle, "ValueOutOfRange").withArgs(9n, value);
        }
      }
      const future = { ...(await report(9n, 1n, 1n)), timestamp: BigInt(await time.latest()) + 10_000n };
      await expect(f.oracle.packReport(future)).to.be.revertedWithCustomError(f.oracle, "FutureTimestamp");
    });

    it("packReport gives the 40-byte form packReports builds", async () => {
      const f = await loadFixture(fixture5of3);
      const now = BigInt(await time.latest());
      const reports: OracleReport[] = [
        { topicId: 1n, value: -5n * ONE, nonce: 10n, timestamp: now },
        { topicId: 2n ** 64n - 1n, value: INT160_MAX, nonce: UINT48_MAX, timestamp: 1n },
        { topicId: 0n, value: INT160_MIN, nonce: 1n, timestamp: now },
      ];
      for (const r of reports) expect(await f.oracle.packReport(r)).to.equal(packReports([r]));
    });

    it("verifyAndStore stores a newer report and returns the stored one for an older report", async () => {
      const f = await loadFixture(fixture5of3);
      const r5 = await report(9n, 50n, 5n);
      await expect(f.oracle.verifyAndStore(reportStruct(r5), await sign(f, [r5])))
        .to.emit(f.oracle, "InferenceUpdated")
        .withArgs(9n, 50n, 5n, r5.timestamp);
      const r4 = await report(9n, 40n, 4n);
      const signatures = await sign(f, [r4]);
      const returned = await f.oracle.verifyAndStore.staticCall(reportStruct(r4), signatures);
      expect([returned.value, returned.nonce]).to.deep.equal([50n, 5n]);
      await expect(f.oracle.verifyAndStore(reportStruct(r4), signatures))
        .to.emit(f.oracle, "ReportSkipped")
        .withArgs(9n, 4n, 5n);
      await expect(
        f.oracle.verifyAndStore(reportStruct({ ...r4, nonce: 6n }), signatures),
      ).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
    });
  });

  describe("reads", () => {
    it("latestInference is all zero for a topic without a value", async () => {
      const f = await loadFixture(fixture5of3);
      expect(await f.oracle.latestInference(123n)).to.deep.equal([0n, 0n, 0n]);
    });

    it("latestInferenceNoOlderThan reverts when missing or stale and serves fresh values", async () => {
      const f = await loadFixture(fixture5of3);
      await expect(f.oracle.latestInferenceNoOlderThan(1n, 3600n))
        .to.be.revertedWithCustomError(f.oracle, "NoInference")
        .withArgs(1n);
      const r = await report(1n, 7n, 1n);
      await f.oracle.submit(packReports([r]), await sign(f, [r]));
      await time.increaseTo(r.timestamp + 60n);
      expect(await f.oracle.latestInferenceNoOlderThan(1n, 60n)).to.deep.equal([7n, 1n, r.timestamp]);
      await expect(f.oracle.latestInferenceNoOlderThan(1n, 59n))
        .to.be.revertedWithCustomError(f.oracle, "StaleInference")
        .withArgs(1n, r.timestamp, 59n);
    });

    it("a timestamp slightly ahead of the chain's clock reads as fresh", async () => {
      const f = await loadFixture(fixture5of3);
      const r = { ...(await report(1n, 7n, 1n)) };
      r.timestamp += 300n;
      await f.oracle.submit(packReports([r]), await sign(f, [r]));
      expect(await f.oracle.latestInferenceNoOlderThan(1n, 0n)).to.deep.equal([7n, 1n, r.timestamp]);
    });
  });

  describe("pausing", () => {
    it("only the guardian pauses, only the admin unpauses", async () => {
      const f = await loadFixture(fixture5of3);
      const [admin, guardian, stranger] = await ethers.getSigners();
      await expect(f.oracle.connect(stranger).pause())
        .to.be.revertedWithCustomError(f.oracle, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await f.oracle.GUARDIAN_ROLE());
      await expect(f.oracle.connect(admin).pause()).to.be.revertedWithCustomError(
        f.oracle,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.oracle.connect(guardian).pause()).to.emit(f.oracle, "Paused").withArgs(guardian.address);
      await expect(f.oracle.connect(guardian).unpause())
        .to.be.revertedWithCustomError(f.oracle, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ethers.ZeroHash);
      await expect(f.oracle.connect(admin).unpause()).to.emit(f.oracle, "Unpaused").withArgs(admin.address);
      expect(await f.oracle.paused()).to.equal(false);
      await expect(f.oracle.connect(admin).unpause()).to.be.revertedWithCustomError(
        f.oracle,
        "ExpectedPause",
      );
    });

    it("rotation works while paused and leaves the oracle paused", async () => {
      const f = await loadFixture(fixture5of3);
      const [admin, guardian] = await ethers.getSigners();
      await f.oracle.connect(guardian).pause();
      const next = attesters(3, "paused-rotation");
      const { rotationDigest, rotationMessage } = await import("../../../lib/eip712/attester-sets");
      const message = rotationMessage(
        1n,
        2n,
        next.map((w) => w.address),
        2,
      );
      const domain = {
        name: "AlloraOracle",
        version: "1",
        chainId: f.chainId,
        verifyingContract: await f.oracle.getAddress(),
      };
      await f.oracle.rotateAttesterSet(
        2n,
        message.signers,
        2,
        rawSignatures(f.signers.slice(0, 3), rotationDigest(domain, message)),
      );
      expect(await f.oracle.paused()).to.equal(true);
      expect(await f.oracle.attesterSetId()).to.equal(2n);
      await f.oracle.connect(admin).unpause();
      const r = [await report(1n, 1n, 1n)];
      await f.oracle.submit(
        tuples(r),
        signReports(next.slice(0, 2), r, {
          chainId: f.chainId,
          oracle: await f.oracle.getAddress(),
          setId: 2n,
        }),
      );
      expect((await f.oracle.attesterSet())[2]).to.equal(2n);
    });

    it("blocks submit, verifyAndStore and requests while paused; reads and verifyReport keep working", async () => {
      const f = await loadFixture(fixture5of3);
      const [, guardian] = await ethers.getSigners();
      const r1 = await report(1n, 7n, 1n);
      await f.oracle.submit(packReports([r1]), await sign(f, [r1]));
      await f.oracle.connect(guardian).pause();
      const r2 = await report(1n, 8n, 2n);
      const signatures = await sign(f, [r2]);
      await expect(f.oracle.submit(packReports([r2]), signatures)).to.be.revertedWithCustomError(
        f.oracle,
        "EnforcedPause",
      );
      await expect(f.oracle.verifyAndStore(reportStruct(r2), signatures)).to.be.revertedWithCustomError(
        f.oracle,
        "EnforcedPause",
      );
      await expect(f.oracle.requestInference(1n, 1n)).to.be.revertedWithCustomError(
        f.oracle,
        "EnforcedPause",
      );
      await expect(
        f.oracle.requestInferenceWithPermit(1n, 1n, 0n, 27, ethers.ZeroHash, ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.oracle, "EnforcedPause");
      expect(await f.oracle.latestInference(1n)).to.deep.equal([7n, 1n, r1.timestamp]);
      expect((await f.oracle.latestInferenceNoOlderThan(1n, 3600n))[0]).to.equal(7n);
      expect((await f.oracle.verifyReport(reportStruct(r2), signatures)).value).to.equal(8n);
      await expect(f.oracle.connect(guardian).pause()).to.be.revertedWithCustomError(
        f.oracle,
        "EnforcedPause",
      );
    });
  });

  describe("requests and fees", () => {
    async function funded() {
      const f = await loadFixture(fixture5of3);
      const [, , payer] = await ethers.getSigners();
      await fundAllo(f.token, payer.address, 1000n * ONE);
      return { ...f, payer };
    }

    it("takes any amount, numbers requests and emits InferenceRequested", async () => {
      const { oracle, token, payer } = await funded();
      await token.connect(payer).approve(await oracle.getAddress(), 10n * ONE);
      await expect(oracle.connect(payer).requestInference(14n, 1n))
        .to.emit(oracle, "InferenceRequested")
        .withArgs(0n, 14n, payer.address, 1n);
      await expect(oracle.connect(payer).requestInference(15n, 3n * ONE))
        .to.emit(oracle, "InferenceRequested")
        .withArgs(1n, 15n, payer.address, 3n * ONE);
      expect(await oracle.requestCount()).to.equal(2n);
      expect(await token.balanceOf(await oracle.getAddress())).to.equal(3n * ONE + 1n);
    });

    it("rejects a zero payment and a payment without allowance", async () => {
      const { oracle, token, payer } = await funded();
      await expect(oracle.connect(payer).requestInference(1n, 0n)).to.be.revertedWithCustomError(
        oracle,
        "ZeroPayment",
      );
      await expect(oracle.connect(payer).requestInference(1n, 1n)).to.be.revertedWithCustomError(
        token,
        "ERC20InsufficientAllowance",
      );
      expect(await oracle.requestCount()).to.equal(0n);
    });

    async function permit(
      token: OracleFixture["token"],
      owner: Awaited<ReturnType<typeof ethers.getSigners>>[number],
      spender: string,
      value: bigint,
      deadline: bigint,
    ) {
      const { chainId } = await ethers.provider.getNetwork();
      const domain = {
        name: await token.name(), // the ERC-2612 domain name, "Allora"
        version: "1",
        chainId,
        verifyingContract: await token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const nonce = await token.nonces(owner.address);
      return ethers.Signature.from(
        await owner.signTypedData(domain, types, { owner: owner.address, spender, value, nonce, deadline }),
      );
    }

    it("requestInferenceWithPermit pays with a permit in one transaction", async () => {
      const { oracle, token, payer } = await funded();
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await permit(token, payer, await oracle.getAddress(), 5n * ONE, deadline);
      await expect(
        oracle.connect(payer).requestInferenceWithPermit(14n, 5n * ONE, deadline, sig.v, sig.r, sig.s),
      )
        .to.emit(oracle, "InferenceRequested")
        .withArgs(0n, 14n, payer.address, 5n * ONE);
      expect(await token.balanceOf(await oracle.getAddress())).to.equal(5n * ONE);
    });

    it("a front-run permit does not block the request; a bad permit without allowance reverts", async () => {
      const { oracle, token, payer } = await funded();
      const deadline = BigInt(await time.latest()) + 3600n;
      const spender = await oracle.getAddress();
      const sig = await permit(token, payer, spender, 5n * ONE, deadline);
      // Someone else submits the permit first.
      await token.permit(payer.address, spender, 5n * ONE, deadline, sig.v, sig.r, sig.s);
      await expect(
        oracle.connect(payer).requestInferenceWithPermit(14n, 5n * ONE, deadline, sig.v, sig.r, sig.s),
      )
        .to.emit(oracle, "InferenceRequested")
        .withArgs(0n, 14n, payer.address, 5n * ONE);
      // The permit is spent and the allowance used up: a replay fails on the transfer.
      await expect(
        oracle.connect(payer).requestInferenceWithPermit(14n, 5n * ONE, deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance");
    });

    it("the admin withdraws fees to any non-zero address; others cannot", async () => {
      const { oracle, token, payer } = await funded();
      const [admin, guardian, , treasury] = await ethers.getSigners();
      await token.connect(payer).approve(await oracle.getAddress(), 10n * ONE);
      await oracle.connect(payer).requestInference(1n, 10n * ONE);
      await expect(oracle.connect(guardian).withdrawFees(treasury.address, 1n))
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ethers.ZeroHash);
      await expect(oracle.connect(admin).withdrawFees(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(oracle, "ZeroAddress")
        .withArgs("to");
      await oracle.connect(guardian).pause(); // withdrawals work while paused
      await expect(oracle.connect(admin).withdrawFees(treasury.address, 4n * ONE))
        .to.emit(oracle, "FeesWithdrawn")
        .withArgs(treasury.address, 4n * ONE, admin.address);
      expect(await token.balanceOf(treasury.address)).to.equal(4n * ONE);
      await expect(
        oracle.connect(admin).withdrawFees(treasury.address, 7n * ONE),
      ).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
    });
  });
});
