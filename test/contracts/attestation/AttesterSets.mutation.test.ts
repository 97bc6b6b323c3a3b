/**
 * Tests added for mutants of AttesterSets.sol that survived the area's run (npm run test:mutation --
 * attestation; docs/development.md "Mutation testing").
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { signDigest } from "../../../lib/eip712/signatures";
import { attesters } from "../oracle/helpers";
import type { OracleAttesterSetsHarness } from "../../../typechain-types";

const DIGEST = ethers.id("a mutation-test message");
/** secp256k1's group order: s and n - s are the two forms of one signature; only s <= n/2 is accepted. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function harness5of3() {
  const wallets = attesters(5);
  const sets = (await (await ethers.getContractFactory("OracleAttesterSetsHarness")).deploy(
    1n,
    wallets.map((w) => w.address),
    3,
  )) as unknown as OracleAttesterSetsHarness;
  return { sets, wallets };
}

/** The same signature in its high-s form: the bare precompile recovers the same signer from it. */
function highS(signature: string): string {
  const sig = ethers.Signature.from(signature);
  return ethers.concat([sig.r, ethers.toBeHex(N - BigInt(sig.s), 32), ethers.toBeHex(sig.v === 27 ? 28 : 27)]);
}

describe("AttesterSets (mutation-found cases)", () => {
  it("a high-s signature first in the list is InvalidSignature(0), not an unknown or unsorted signer", async () => {
    // Kills `signer := 0` -> `signer := 1` before the high-s check: a skipped recovery must leave no signer.
    const { sets, wallets } = await loadFixture(harness5of3);
    const parts = wallets.slice(0, 3).map((w) => signDigest(w.privateKey, DIGEST));
    await expect(sets.verify(DIGEST, ethers.concat([highS(parts[0]), parts[1], parts[2]])))
      .to.be.revertedWithCustomError(sets, "InvalidSignature")
      .withArgs(0n);
    expect(await sets.verify(DIGEST, ethers.concat(parts))).to.equal(true);
  });

  it("accepts the lowest non-zero address as a signer (only zero is refused)", async () => {
    // Kills `previous = address(0)` -> `address(1)` in the set validation: 0x…01 must pass "strictly ascending".
    const one = ethers.getAddress("0x0000000000000000000000000000000000000001");
    const signers = [one, ...attesters(2).map((w) => w.address)];
    const sets = await (await ethers.getContractFactory("OracleAttesterSetsHarness")).deploy(1n, signers, 2);
    expect((await sets.currentSet()).threshold).to.equal(2n);
    const factory = await ethers.getContractFactory("OracleAttesterSetsHarness");
    await expect(factory.deploy(1n, [ethers.ZeroAddress, ...signers.slice(1)], 2))
      .to.be.revertedWithCustomError(factory, "InvalidAttesterSet")
      .withArgs("signers must be non-zero and strictly ascending");
  });

  it("a rotation to a lower set id names the current id first, then the refused one", async () => {
    // Kills the swapped arguments of AttesterSetIdNotIncreasing(current.id, newSetId) in rotateAttesterSet.
    const factory = await ethers.getContractFactory("OracleAttesterSetsHarness");
    const sets = await factory.deploy(5n, attesters(3).map((w) => w.address), 2);
    await expect(sets.rotateAttesterSet(2n, attesters(3, "next").map((w) => w.address), 2, "0x"))
      .to.be.revertedWithCustomError(sets, "AttesterSetIdNotIncreasing")
      .withArgs(5n, 2n);
  });
});
