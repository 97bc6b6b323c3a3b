/**
 * The bridge packs each remote chain into three slots: configuration (two 96-bit capacities, a 48-bit
 * outbound sequence, flags) and one flow per direction (96-bit available, 32-bit refill time, 128-bit total).
 * These tests drive every packed field to its boundary and check that nothing wraps or bleeds into a neighbour.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toBeHex, zeroPadValue } from "ethers";
import { BNB, Direction, IN_CAP, OUT_CAP, WINDOW, attest, deployBridge } from "./fixtures";
import type { AlloraBridge } from "../../../typechain-types";

const MAX96 = 2n ** 96n - 1n;
const MAX48 = 2n ** 48n - 1n;
const FLAGS_ENABLED_REGISTERED = 1n | 2n | 16n;

/** The packed configuration word of a chain, as the contract lays it out (lowest field first). */
function configWord(outCap: bigint, inCap: bigint, sequence: bigint, flags: bigint): bigint {
  return outCap | (inCap << 96n) | (sequence << 192n) | (flags << 240n);
}

/** The storage slot of `_config[chain]`, found by its known contents (the mapping's base slot is private). */
async function configSlot(bridge: AlloraBridge, chain: bigint, expected: bigint): Promise<string> {
  const address = await bridge.getAddress();
  for (let base = 0n; base < 64n; base++) {
    const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "uint256"], [chain, base]));
    if (BigInt(await ethers.provider.getStorage(address, slot)) === expected) return slot;
  }
  throw new Error(`no slot holds the configuration of chain ${chain}: did the layout change?`);
}

describe("AlloraBridge storage packing", function () {
  it("lays a chain's configuration out in one word: capacities, sequence, flags", async function () {
    const { bridge, alice } = await loadFixture(deployBridge);
    await configSlot(bridge, BNB, configWord(OUT_CAP, IN_CAP, 0n, FLAGS_ENABLED_REGISTERED));
    await bridge.connect(alice).sendToChain(BNB, alice.address, 1n);
    await configSlot(bridge, BNB, configWord(OUT_CAP, IN_CAP, 1n, FLAGS_ENABLED_REGISTERED));
  });

  it("accepts capacities up to 2^96 - 1 and rejects 2^96", async function () {
    const { bridge, admin } = await loadFixture(deployBridge);
    await bridge.connect(admin).setRemoteChainLimits(BNB, MAX96, MAX96);
    const [outCap, outAvail, inCap, inAvail] = await bridge.limits(BNB);
    expect([outCap, outAvail, inCap, inAvail]).to.deep.equal([MAX96, MAX96, MAX96, MAX96]);
    await expect(bridge.connect(admin).setRemoteChainLimits(BNB, MAX96 + 1n, 1n))
      .to.be.revertedWithCustomError(bridge, "CapacityTooLarge")
      .withArgs(MAX96 + 1n);
    await expect(bridge.connect(admin).setRemoteChainLimits(BNB, 1n, MAX96 + 1n))
      .to.be.revertedWithCustomError(bridge, "CapacityTooLarge")
      .withArgs(MAX96 + 1n);
    expect((await bridge.remoteChain(BNB)).outboundEnabled).to.equal(true);
  });

  it("moves amounts at the 96-bit maximum; totals carry past 96 bits; buckets refill", async function () {
    const { bridge, token, admin, attesters, bob, relayer } = await loadFixture(deployBridge);
    await token.setBridgeLimits(await bridge.getAddress(), 2n ** 100n, 2n ** 100n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, MAX96, MAX96);

    const big = { sourceChain: BNB, sequence: 1n, recipient: bob.address, amount: MAX96 };
    await expect(
      bridge.connect(relayer).deliver(BNB, 1n, bob.address, MAX96, await attest(bridge, big, attesters)),
    ).to.emit(bridge, "TransferDelivered");
    expect(await token.balanceOf(bob.address)).to.equal(MAX96);
    expect((await bridge.limits(BNB))[3]).to.equal(0n);
    expect(await bridge.netBridgedIn(BNB)).to.equal(MAX96);

    // The inbound limit is empty: half the capacity waits, and is released once the bucket refilled.
    const half = MAX96 / 2n;
    const second = { sourceChain: BNB, sequence: 2n, recipient: bob.address, amount: half };
    await expect(
      bridge.connect(relayer).deliver(BNB, 2n, bob.address, half, await attest(bridge, second, attesters)),
    ).to.emit(bridge, "TransferQueued");
    const id = await bridge.transferId(BNB, 31337n, 2n);
    await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "InboundLimitExceeded");
    await time.increase(WINDOW / 2n);
    // Half a window refills half the capacity (rounded down), never more.
    const halfRefill = (await bridge.limits(BNB))[3];
    expect(halfRefill).to.be.within(half, (MAX96 * (WINDOW / 2n + 3n)) / WINDOW);
    await bridge.releaseQueued(id);
    // The inbound total now exceeds 96 bits.
    expect(await bridge.netBridgedIn(BNB)).to.equal(MAX96 + half);
    expect(MAX96 + half).to.be.greaterThan(2n ** 96n);

    // Outbound at the maximum: the whole bucket in one send, then only the trickle one second refills.
    await bridge.connect(bob).sendToChain(BNB, bob.address, MAX96);
    expect(await bridge.netBridgedIn(BNB)).to.equal(half);
    expect((await bridge.limits(BNB))[1]).to.equal(0n);
    await expect(bridge.connect(bob).sendToChain(BNB, bob.address, half))
      .to.be.revertedWithCustomError(bridge, "OutboundLimitExceeded")
      .withArgs(BNB, half, (available: bigint) => available > 0n && available <= (MAX96 * 2n) / WINDOW);
    await time.increase(WINDOW);
    expect((await bridge.limits(BNB))[1]).to.equal(MAX96);
    await bridge.connect(bob).sendToChain(BNB, bob.address, half);
    expect(await bridge.netBridgedIn(BNB)).to.equal(0n);
    expect((await bridge.remoteChain(BNB)).lastOutboundSequence).to.equal(2n);
  });

  it("moves a used bucket by a capacity change: raising frees the difference, lowering takes it", async function () {
    const { bridge, admin, alice } = await loadFixture(deployBridge);
    // A small capacity, so that the few seconds between blocks refill nothing (1000 * s / WINDOW < 1).
    await bridge.connect(admin).setRemoteChainLimits(BNB, 1000n, IN_CAP);
    await bridge.connect(alice).sendToChain(BNB, alice.address, 100n);
    expect((await bridge.limits(BNB))[1]).to.equal(900n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, 850n, IN_CAP);
    expect((await bridge.limits(BNB))[1]).to.equal(750n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, 880n, IN_CAP);
    expect((await bridge.limits(BNB))[1]).to.equal(780n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, 50n, IN_CAP);
    expect((await bridge.limits(BNB))[1]).to.equal(0n);
    // The flow's total survived both capacity changes.
    expect(await bridge.netBridgedIn(BNB)).to.equal(-100n);
  });

  it("uses the last 48-bit sequence, then refuses to wrap", async function () {
    const { bridge, alice } = await loadFixture(deployBridge);
    const slot = await configSlot(bridge, BNB, configWord(OUT_CAP, IN_CAP, 0n, FLAGS_ENABLED_REGISTERED));
    await network.provider.send("hardhat_setStorageAt", [
      await bridge.getAddress(),
      slot,
      zeroPadValue(toBeHex(configWord(OUT_CAP, IN_CAP, MAX48 - 1n, FLAGS_ENABLED_REGISTERED)), 32),
    ]);
    await expect(bridge.connect(alice).sendToChain(BNB, alice.address, 1n))
      .to.emit(bridge, "TransferSent")
      .withArgs(
        await bridge.transferId(31337n, BNB, MAX48),
        BNB,
        MAX48,
        31337n,
        alice.address,
        alice.address.toLowerCase(),
        1n,
        0n,
      );
    const view = await bridge.remoteChain(BNB);
    expect(view.lastOutboundSequence).to.equal(MAX48);
    // The flags next to the sequence are intact.
    expect([
      view.outboundEnabled,
      view.inboundEnabled,
      view.outboundPaused,
      view.inboundPaused,
    ]).to.deep.equal([true, true, false, false]);
    await expect(bridge.connect(alice).sendToChain(BNB, alice.address, 1n)).to.be.revertedWithPanic(0x11);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-1n);
  });

  it("keeps pause flags per chain beside the other flags; a chain registered while inbound is paused starts paused", async function () {
    const { bridge, admin, guardian, alice, attesters, relayer } = await loadFixture(deployBridge);
    await bridge.connect(guardian).pause(Direction.Inbound);
    await bridge.connect(admin).setRemoteChainEnabled(77n, true, true);
    await bridge.connect(admin).setRemoteChainLimits(77n, OUT_CAP, IN_CAP);
    await configSlot(bridge, 77n, configWord(OUT_CAP, IN_CAP, 0n, FLAGS_ENABLED_REGISTERED | 8n));
    const t = { sourceChain: 77n, sequence: 1n, recipient: alice.address, amount: 1n };
    await expect(
      bridge.connect(relayer).deliver(77n, 1n, alice.address, 1n, await attest(bridge, t, attesters)),
    )
      .to.be.revertedWithCustomError(bridge, "DirectionIsPaused")
      .withArgs(Direction.Inbound, 77n);
    // Outbound to the new chain stays open, and disabling inbound keeps the pause bit.
    await bridge.connect(alice).sendToChain(77n, alice.address, 1n);
    await bridge.connect(admin).setRemoteChainEnabled(77n, true, false);
    await configSlot(bridge, 77n, configWord(OUT_CAP, IN_CAP, 1n, 1n | 16n | 8n));
    await bridge.connect(admin).unpause(Direction.Inbound);
    await configSlot(bridge, 77n, configWord(OUT_CAP, IN_CAP, 1n, 1n | 16n));
  });
});
