import { expect } from "chai";
import { ethers } from "hardhat";
import type { BaseWallet } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { rotationDigest, rotationMessage } from "../../../lib/eip712/attester-sets";
import { combineSignatures, compareAddresses, signDigest } from "../../../lib/eip712/signatures";
import { attesters, rawSignatures } from "../oracle/helpers";
import type { OracleAttesterSetsHarness } from "../../../typechain-types";

const DIGEST = ethers.id("a message");

const byAddress = (a: BaseWallet, b: BaseWallet) => compareAddresses(a.address, b.address);

async function deploy(signers: string[], threshold: number, setId = 1n): Promise<OracleAttesterSetsHarness> {
  return (await ethers.getContractFactory("OracleAttesterSetsHarness")).deploy(setId, signers, threshold);
}

async function harness5of3() {
  const wallets = attesters(5);
  const sets = await deploy(
    wallets.map((w) => w.address),
    3,
  );
  return { sets, wallets };
}

async function domainOf(sets: OracleAttesterSetsHarness) {
  const { chainId } = await ethers.provider.getNetwork();
  return { name: "AttesterSetsHarness", version: "1", chainId, verifyingContract: await sets.getAddress() };
}

/** Rotation signatures of `by` (sorted, combined) for moving `sets` to (`newSetId`, `next`, `threshold`). */
async function rotationSignatures(
  sets: OracleAttesterSetsHarness,
  by: BaseWallet[],
  currentSetId: bigint,
  newSetId: bigint,
  next: string[],
  threshold: number,
): Promise<string> {
  const digest = rotationDigest(
    await domainOf(sets),
    rotationMessage(currentSetId, newSetId, next, threshold),
  );
  return combineSignatures(
    digest,
    by.map((w) => signDigest(w.privateKey, digest)),
    { threshold: 1 },
  );
}

describe("AttesterSets", () => {
  describe("constructor validation", () => {
    const factory = () => ethers.getContractFactory("OracleAttesterSetsHarness");
    const addrs = (n: number) => attesters(n).map((w) => w.address);

    it("rejects set id 0", async () => {
      await expect(deploy(addrs(1), 1, 0n))
        .to.be.revertedWithCustomError(await factory(), "AttesterSetIdNotIncreasing")
        .withArgs(0n, 0n);
    });

    it("rejects an empty set and more than 255 signers", async () => {
      await expect(deploy([], 1))
        .to.be.revertedWithCustomError(await factory(), "InvalidAttesterSet")
        .withArgs("signer count must be 1..255");
      const many = Array.from({ length: 256 }, (_, i) => ethers.toBeHex(i + 1, 20));
      await expect(deploy(many, 200))
        .to.be.revertedWithCustomError(await factory(), "InvalidAttesterSet")
        .withArgs("signer count must be 1..255");
    });

    it("rejects a threshold of zero, above n, or not more than half", async () => {
      const reason = "threshold must be more than half of the signers and at most all";
      for (const [n, m] of [
        [3, 0],
        [3, 4],
        [4, 2],
        [2, 1],
      ]) {
        await expect(deploy(addrs(n), m))
          .to.be.revertedWithCustomError(await factory(), "InvalidAttesterSet")
          .withArgs(reason);
      }
      await deploy(addrs(4), 3);
      await deploy(addrs(1), 1);
    });

    it("rejects unsorted, duplicate and zero signers", async () => {
      const reason = "signers must be non-zero and strictly ascending";
      const sorted = addrs(3);
      for (const list of [
        [sorted[1], sorted[0], sorted[2]],
        [sorted[0], sorted[0], sorted[2]],
        [ethers.ZeroAddress, sorted[0], sorted[1]],
      ]) {
        await expect(deploy(list, 2))
          .to.be.revertedWithCustomError(await factory(), "InvalidAttesterSet")
          .withArgs(reason);
      }
    });

    it("installs the set and emits AttesterSetRotated from 0", async () => {
      const wallets = attesters(3);
      const sets = await deploy(
        wallets.map((w) => w.address),
        2,
        5n,
      );
      await expect(sets.deploymentTransaction())
        .to.emit(sets, "AttesterSetRotated")
        .withArgs(
          0n,
          5n,
          wallets.map((w) => w.address),
          2n,
        );
      expect(await sets.attesterSetId()).to.equal(5n);
      const [id, signers, threshold] = await sets.attesterSet();
      expect([id, signers, threshold]).to.deep.equal([5n, wallets.map((w) => w.address), 2n]);
    });
  });

  describe("verification", () => {
    it("accepts exactly the threshold and more, in ascending order", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      expect(await sets.verify(DIGEST, rawSignatures(wallets.slice(0, 3), DIGEST))).to.equal(true);
      expect(await sets.verify(DIGEST, rawSignatures(wallets, DIGEST))).to.equal(true);
      expect(await sets.verify(DIGEST, rawSignatures([wallets[0], wallets[2], wallets[4]], DIGEST))).to.equal(
        true,
      );
    });

    it("rejects every malformed signature set with its own error", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      await expect(sets.verify(DIGEST, "0x"))
        .to.be.revertedWithCustomError(sets, "InvalidSignaturesLength")
        .withArgs(0n);
      await expect(sets.verify(DIGEST, ethers.concat([rawSignatures(wallets.slice(0, 3), DIGEST), "0x01"])))
        .to.be.revertedWithCustomError(sets, "InvalidSignaturesLength")
        .withArgs(196n);
      await expect(sets.verify(DIGEST, rawSignatures(wallets.slice(0, 2), DIGEST)))
        .to.be.revertedWithCustomError(sets, "TooFewSignatures")
        .withArgs(2n, 3n);
      await expect(sets.verify(DIGEST, rawSignatures([wallets[0], wallets[0], wallets[1]], DIGEST)))
        .to.be.revertedWithCustomError(sets, "DuplicateSigner")
        .withArgs(wallets[0].address);
      await expect(sets.verify(DIGEST, rawSignatures([wallets[1], wallets[0], wallets[2]], DIGEST)))
        .to.be.revertedWithCustomError(sets, "SignersNotSorted")
        .withArgs(wallets[1].address, wallets[0].address);
      const zeroSignature = ethers.concat([ethers.ZeroHash, ethers.ZeroHash, "0x1b"]);
      await expect(
        sets.verify(DIGEST, ethers.concat([rawSignatures(wallets.slice(0, 2), DIGEST), zeroSignature])),
      )
        .to.be.revertedWithCustomError(sets, "InvalidSignature")
        .withArgs(2n);
    });

    it("rejects signatures over another digest (they recover to strangers)", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      await expect(
        sets.verify(ethers.id("other"), rawSignatures(wallets.slice(0, 3), DIGEST)),
      ).to.be.revertedWithCustomError(sets, "UnknownSigner");
    });
  });

  describe("rotation", () => {
    it("rotates with the current threshold; the new set verifies, the retired one does not", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(3, "next").map((w) => w.address);
      const signatures = await rotationSignatures(sets, wallets.slice(1, 4), 1n, 2n, next, 2);
      await expect(sets.rotateAttesterSet(2n, next, 2, signatures))
        .to.emit(sets, "AttesterSetRotated")
        .withArgs(1n, 2n, next, 2n);
      expect(await sets.attesterSet()).to.deep.equal([2n, next, 2n]);
      await expect(
        sets.verify(DIGEST, rawSignatures(wallets.slice(0, 3), DIGEST)),
      ).to.be.revertedWithCustomError(sets, "UnknownSigner");
      expect(await sets.verify(DIGEST, rawSignatures(attesters(3, "next").slice(0, 2), DIGEST))).to.equal(
        true,
      );
    });

    it("a signer kept across a rotation stays valid; a removed one is retired", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = [wallets[0].address, wallets[1].address, wallets[2].address];
      await sets.rotateAttesterSet(
        3n,
        next,
        2,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, 3n, next, 2),
      );
      expect(await sets.verify(DIGEST, rawSignatures(wallets.slice(0, 2), DIGEST))).to.equal(true);
      await expect(sets.verify(DIGEST, rawSignatures([wallets[0], wallets[3]], DIGEST)))
        .to.be.revertedWithCustomError(sets, "UnknownSigner")
        .withArgs(wallets[3].address);
    });

    it("rejects a set id that does not increase, and replays of an executed rotation", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(3, "next").map((w) => w.address);
      await expect(sets.rotateAttesterSet(1n, next, 2, "0x"))
        .to.be.revertedWithCustomError(sets, "AttesterSetIdNotIncreasing")
        .withArgs(1n, 1n);
      const signatures = await rotationSignatures(sets, wallets.slice(0, 3), 1n, 4n, next, 2);
      await sets.rotateAttesterSet(4n, next, 2, signatures);
      await expect(sets.rotateAttesterSet(4n, next, 2, signatures))
        .to.be.revertedWithCustomError(sets, "AttesterSetIdNotIncreasing")
        .withArgs(4n, 4n);
    });

    it("a retired set cannot rotate again, even with a fresh id", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const nextWallets = attesters(3, "next");
      const next = nextWallets.map((w) => w.address);
      await sets.rotateAttesterSet(
        2n,
        next,
        2,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 2),
      );
      const evil = attesters(1, "evil").map((w) => w.address);
      // Old set signs a rotation from the current id 2: its members are retired.
      await expect(
        sets.rotateAttesterSet(
          3n,
          evil,
          1,
          await rotationSignatures(sets, wallets.slice(0, 3), 2n, 3n, evil, 1),
        ),
      ).to.be.revertedWithCustomError(sets, "UnknownSigner");
      // The new set can.
      await sets.rotateAttesterSet(
        3n,
        evil,
        1,
        await rotationSignatures(sets, nextWallets.slice(0, 2), 2n, 3n, evil, 1),
      );
      expect(await sets.attesterSetId()).to.equal(3n);
    });

    it("the rotation signature binds every field", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(3, "next").map((w) => w.address);
      const signatures = await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 2);
      await expect(sets.rotateAttesterSet(2n, next, 3, signatures)).to.be.revertedWithCustomError(
        sets,
        "UnknownSigner",
      );
      await expect(sets.rotateAttesterSet(3n, next, 2, signatures)).to.be.revertedWithCustomError(
        sets,
        "UnknownSigner",
      );
      await expect(sets.rotateAttesterSet(2n, next.slice(0, 2), 2, signatures)).to.be.revertedWithCustomError(
        sets,
        "UnknownSigner",
      );
      await expect(
        sets.rotateAttesterSet(
          2n,
          next,
          2,
          await rotationSignatures(sets, wallets.slice(0, 2), 1n, 2n, next, 2),
        ),
      )
        .to.be.revertedWithCustomError(sets, "TooFewSignatures")
        .withArgs(2n, 3n);
    });

    it("rejects a malformed new set even when properly signed", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(4, "next").map((w) => w.address);
      const signatures = await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 2);
      await expect(sets.rotateAttesterSet(2n, next, 2, signatures))
        .to.be.revertedWithCustomError(sets, "InvalidAttesterSet")
        .withArgs("threshold must be more than half of the signers and at most all");
    });

    it("a set id may jump (ids only need to increase)", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(1, "solo").map((w) => w.address);
      const jump = 2n ** 64n - 1n;
      await sets.rotateAttesterSet(
        jump,
        next,
        1,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, jump, next, 1),
      );
      expect(await sets.attesterSetId()).to.equal(jump);
    });
  });
  describe("signer list contract", () => {
    /** The n-th contract `sets` created (its nonce starts at 1, EIP-161): the n-th signer list. */
    async function listAddress(sets: OracleAttesterSetsHarness, nth: number): Promise<string> {
      return ethers.getCreateAddress({ from: await sets.getAddress(), nonce: nth });
    }

    /** A STOP byte, then the addresses packed (20 bytes each). */
    function listCode(addresses: string[]): string {
      return ethers.concat(["0x00", ...addresses]).toLowerCase();
    }

    it("deploys the sorted list as code behind a STOP, and a call to it does nothing", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const list = await listAddress(sets, 1);
      expect(await ethers.provider.getCode(list)).to.equal(listCode(wallets.map((w) => w.address)));
      const [caller] = await ethers.getSigners();
      expect(await ethers.provider.call({ to: list, data: "0x12345678", from: caller.address })).to.equal(
        "0x",
      );
    });

    it("one slot holds list, id, size, threshold and the halt flag; the flag survives a rotation", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      expect(await sets.currentSet()).to.deep.equal([await listAddress(sets, 1), 1n, 5n, 3n, false]);
      await sets.setHalted(true);
      expect(await sets.halted()).to.equal(true);
      // Verification and rotation ignore the flag (a compromised set must be replaceable while halted).
      expect(await sets.verify(DIGEST, rawSignatures(wallets.slice(0, 3), DIGEST))).to.equal(true);
      const next = attesters(3, "next").map((w) => w.address);
      await sets.rotateAttesterSet(
        2n,
        next,
        2,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 2),
      );
      expect(await sets.currentSet()).to.deep.equal([await listAddress(sets, 2), 2n, 3n, 2n, true]);
      await sets.setHalted(false);
      expect(await sets.halted()).to.equal(false);
    });

    it("a rotation deploys a new list and leaves the old one unreferenced", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(4, "next").map((w) => w.address);
      await sets.rotateAttesterSet(
        2n,
        next,
        3,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 3),
      );
      expect(await ethers.provider.getCode(await listAddress(sets, 2))).to.equal(listCode(next));
      expect(await ethers.provider.getCode(await listAddress(sets, 1))).to.equal(
        listCode(wallets.map((w) => w.address)),
      );
      expect(await sets.attesterSet()).to.deep.equal([2n, next, 3n]);
    });

    it("after a rotation that keeps some members: kept ones verify, removed ones and strangers between members do not", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      // Keep members 1 and 3, add two new ones: the new list interleaves kept and new addresses.
      const added = attesters(2, "added");
      const nextWallets = [wallets[1], wallets[3], ...added].sort((a, b) =>
        compareAddresses(a.address, b.address),
      );
      const next = nextWallets.map((w) => w.address);
      await sets.rotateAttesterSet(
        2n,
        next,
        3,
        await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 3),
      );
      expect(await sets.verify(DIGEST, rawSignatures(nextWallets.slice(1), DIGEST))).to.equal(true);
      expect(await sets.verify(DIGEST, rawSignatures(nextWallets, DIGEST))).to.equal(true);
      expect(
        await sets.verify(DIGEST, rawSignatures([wallets[1], wallets[3], added[0]].sort(byAddress), DIGEST)),
      ).to.equal(true);
      // Removed members 0, 2 and 4, each in the place its address sorts to.
      for (const removed of [wallets[0], wallets[2], wallets[4]]) {
        await expect(
          sets.verify(
            DIGEST,
            rawSignatures([wallets[1], wallets[3], added[0], removed].sort(byAddress), DIGEST),
          ),
        )
          .to.be.revertedWithCustomError(sets, "UnknownSigner")
          .withArgs(removed.address);
      }
    });

    it("a set of 255 signers: any threshold subset verifies, a stranger anywhere is rejected", async () => {
      // 258 sorted wallets; the lowest, one in the middle and the highest stay out as strangers.
      const all = attesters(258, "large");
      const strangers = [all[0], all[129], all[257]];
      const wallets = all.filter((w) => !strangers.includes(w));
      expect(wallets.length).to.equal(255);
      const sets = await deploy(
        wallets.map((w) => w.address),
        128,
      );
      const [, listed] = await sets.attesterSet();
      expect(listed).to.deep.equal(wallets.map((w) => w.address));
      const signatures = wallets.map((w) => signDigest(w.privateKey, DIGEST));
      expect(await sets.verify(DIGEST, ethers.concat(signatures))).to.equal(true);
      expect(await sets.verify(DIGEST, ethers.concat(signatures.slice(0, 128)))).to.equal(true);
      expect(await sets.verify(DIGEST, ethers.concat(signatures.slice(127)))).to.equal(true);
      expect(await sets.verify(DIGEST, ethers.concat(signatures.filter((_, i) => i % 2 === 0)))).to.equal(
        true,
      );
      await expect(sets.verify(DIGEST, ethers.concat(signatures.slice(0, 127))))
        .to.be.revertedWithCustomError(sets, "TooFewSignatures")
        .withArgs(127n, 128n);
      for (const stranger of strangers) {
        const signed = [...wallets.slice(0, 200), stranger].sort(byAddress);
        await expect(sets.verify(DIGEST, rawSignatures(signed, DIGEST)))
          .to.be.revertedWithCustomError(sets, "UnknownSigner")
          .withArgs(stranger.address);
      }
    });

    it("a rotation whose gas cannot pay for the new list reverts with a clear error", async () => {
      const { sets, wallets } = await loadFixture(harness5of3);
      const next = attesters(255, "large").map((w) => w.address);
      const signatures = await rotationSignatures(sets, wallets.slice(0, 3), 1n, 2n, next, 128);
      const needed = await sets.rotateAttesterSet.estimateGas(2n, next, 128, signatures);
      // The list (5,101 bytes of code) costs about a million gas; the 1/64 that CREATE leaves behind pays
      // for the revert.
      await expect(sets.rotateAttesterSet(2n, next, 128, signatures, { gasLimit: needed - 300_000n }))
        .to.be.revertedWithCustomError(sets, "InvalidAttesterSet")
        .withArgs("signer list deployment ran out of gas");
      expect(await sets.attesterSetId()).to.equal(1n);
      await sets.rotateAttesterSet(2n, next, 128, signatures, { gasLimit: needed });
      expect(await sets.attesterSetId()).to.equal(2n);
    });
  });
});
