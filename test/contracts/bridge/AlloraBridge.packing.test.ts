/**
 * The bridge packs each remote chain into four slots: per direction a configuration (88-bit capacity, flags,
 * and inbound the registered source bridge's 160 bits) and a flow (88-bit available, 32-bit refill time, 40-bit outbound sequence, 96-bit running total
 * kept modulo 2^96). These tests drive every packed field to its boundary and check that nothing wraps or
 * bleeds into a neighbour, that a transfer writes only its own flow, and that the wrapped totals still give
 * the exact net bridged in.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toBeHex, zeroPadValue } from "ethers";
import { BNB, Direction, IN_CAP, OUT_CAP, WINDOW, attest, deployBridge, src } from "./fixtures";
import type { AlloraBridge } from "../../../typechain-types";

const MAX88 = 2n ** 88n - 1n;
const MAX40 = 2n ** 40n - 1n;
const MAX96 = 2n ** 96n - 1n;
/** Outbound flags: enabled (1), registered (16); inbound: enabled (2). Paused: 4 outbound, 8 inbound. */
const OUT_ENABLED_REGISTERED = 1n | 16n;
const IN_ENABLED = 2n;

/** The packed outbound configuration word of a chain (lowest field first). */
function outConfigWord(cap: bigint, flags: bigint): bigint {
  return cap | (flags << 88n);
}

/** The packed inbound configuration word of a chain: capacity, flags, registered source bridge. */
function inConfigWord(cap: bigint, flags: bigint, sourceBridge: string): bigint {
  return cap | (flags << 88n) | (BigInt(sourceBridge) << 96n);
}

/** A flow word's fields. */
interface Flow {
  available: bigint;
  updatedAt: bigint;
  sequence: bigint;
  total: bigint;
}

function decodeFlow(word: bigint): Flow {
  return {
    available: word & MAX88,
    updatedAt: (word >> 88n) & (2n ** 32n - 1n),
    sequence: (word >> 120n) & MAX40,
    total: word >> 160n,
  };
}

function encodeFlow(f: Flow): bigint {
  return f.available | (f.updatedAt << 88n) | (f.sequence << 120n) | (f.total << 160n);
}

/** The slot of `mapping(uint64 => …)[chain]` (at some private base slot) whose word satisfies `match`. */
async function findSlot(
  bridge: AlloraBridge,
  chain: bigint,
  match: (word: bigint) => boolean,
  what: string,
): Promise<string> {
  const address = await bridge.getAddress();
  const found: string[] = [];
  for (let base = 0n; base < 64n; base++) {
    const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "uint256"], [chain, base]));
    if (match(BigInt(await ethers.provider.getStorage(address, slot)))) found.push(slot);
  }
  if (found.length !== 1)
    throw new Error(`${found.length} slots hold ${what} of chain ${chain}: did the layout change?`);
  return found[0];
}

/** The storage slot of a chain's configuration word, found by its known contents. */
function configSlot(bridge: AlloraBridge, chain: bigint, expected: bigint): Promise<string> {
  return findSlot(bridge, chain, (w) => w === expected, "the configuration");
}

/** Both configuration slots of a chain, found by their known contents. */
async function configSlots(
  bridge: AlloraBridge,
  chain: bigint,
  expected: { out: bigint; in: bigint },
): Promise<{ out: string; in: string }> {
  return {
    out: await configSlot(bridge, chain, expected.out),
    in: await configSlot(bridge, chain, expected.in),
  };
}

async function readWord(bridge: AlloraBridge, slot: string): Promise<bigint> {
  return BigInt(await ethers.provider.getStorage(await bridge.getAddress(), slot));
}

async function writeWord(bridge: AlloraBridge, slot: string, word: bigint): Promise<void> {
  await network.provider.send("hardhat_setStorageAt", [
    await bridge.getAddress(),
    slot,
    zeroPadValue(toBeHex(word), 32),
  ]);
}

/**
 * The outbound and inbound flow slots of `chain` on a fresh fixture, told apart by one send of `outAmount`
 * and one delivery of `inAmount` (their totals).
 */
async function flowSlots(
  f: Awaited<ReturnType<typeof deployBridge>>,
  chain: bigint,
  outAmount: bigint,
  inAmount: bigint,
) {
  const { bridge, alice, attesters, relayer, bob } = f;
  await bridge.connect(alice).sendToChain(chain, alice.address, outAmount);
  const t = { sourceChain: chain, sequence: 1n, recipient: bob.address, amount: inAmount };
  await bridge
    .connect(relayer)
    .deliver(chain, src(chain), 1n, bob.address, inAmount, await attest(bridge, t, attesters));
  const outbound = await findSlot(
    bridge,
    chain,
    (w) => decodeFlow(w).total === outAmount && decodeFlow(w).sequence === 1n,
    "the outbound flow",
  );
  const inbound = await findSlot(
    bridge,
    chain,
    (w) => decodeFlow(w).total === inAmount && decodeFlow(w).sequence === 0n && w !== 0n,
    "the inbound flow",
  );
  return { outbound, inbound };
}

describe("AlloraBridge storage packing", function () {
  it("lays a chain's configuration out in one word per direction (capacity, flags, source bridge) that transfers never write", async function () {
    const f = await loadFixture(deployBridge);
    const { bridge, alice, bob, attesters, relayer } = f;
    const expected = {
      out: outConfigWord(OUT_CAP, OUT_ENABLED_REGISTERED),
      in: inConfigWord(IN_CAP, IN_ENABLED, src(BNB)),
    };
    const config = await configSlots(bridge, BNB, expected);
    const { outbound, inbound } = await flowSlots(f, BNB, 3n, 5n);
    const before = {
      outConfig: await readWord(bridge, config.out),
      inConfig: await readWord(bridge, config.in),
      outbound: await readWord(bridge, outbound),
      inbound: await readWord(bridge, inbound),
    };
    expect(before.outConfig).to.equal(expected.out);
    expect(before.inConfig).to.equal(expected.in);
    expect((await bridge.remoteChain(BNB)).sourceBridge).to.equal(src(BNB));

    // A send writes only its outbound flow: sequence, total, available, refill time.
    await bridge.connect(alice).sendToChain(BNB, alice.address, 4n);
    const sentAt = BigInt(await time.latest());
    expect(await readWord(bridge, config.out)).to.equal(before.outConfig);
    expect(await readWord(bridge, config.in)).to.equal(before.inConfig);
    expect(await readWord(bridge, inbound)).to.equal(before.inbound);
    const out = decodeFlow(await readWord(bridge, outbound));
    expect(out).to.deep.equal({ available: out.available, updatedAt: sentAt, sequence: 2n, total: 7n });
    expect(out.available).to.be.within(OUT_CAP - 7n, OUT_CAP);
    expect((await bridge.remoteChain(BNB)).lastOutboundSequence).to.equal(2n);

    // A delivery writes only its inbound flow (and a bitmap word).
    const afterSend = await readWord(bridge, outbound);
    const t = { sourceChain: BNB, sequence: 2n, recipient: bob.address, amount: 6n };
    await bridge.connect(relayer).deliver(BNB, src(BNB), 2n, bob.address, 6n, await attest(bridge, t, attesters));
    expect(await readWord(bridge, config.out)).to.equal(before.outConfig);
    expect(await readWord(bridge, config.in)).to.equal(before.inConfig);
    expect(await readWord(bridge, outbound)).to.equal(afterSend);
    const inFlow = decodeFlow(await readWord(bridge, inbound));
    expect(inFlow.sequence).to.equal(0n);
    expect(inFlow.total).to.equal(11n);
    expect(inFlow.updatedAt).to.equal(BigInt(await time.latest()));
    expect(await bridge.netBridgedIn(BNB)).to.equal(11n - 7n);
  });

  it("accepts capacities up to 2^88 - 1 and rejects 2^88", async function () {
    const { bridge, admin } = await loadFixture(deployBridge);
    await bridge.connect(admin).setRemoteChainLimits(BNB, MAX88, MAX88);
    const [outCap, outAvail, inCap, inAvail] = await bridge.limits(BNB);
    expect([outCap, outAvail, inCap, inAvail]).to.deep.equal([MAX88, MAX88, MAX88, MAX88]);
    await configSlots(bridge, BNB, {
      out: outConfigWord(MAX88, OUT_ENABLED_REGISTERED),
      in: inConfigWord(MAX88, IN_ENABLED, src(BNB)),
    });
    await expect(bridge.connect(admin).setRemoteChainLimits(BNB, MAX88 + 1n, 1n))
      .to.be.revertedWithCustomError(bridge, "CapacityTooLarge")
      .withArgs(MAX88 + 1n);
    await expect(bridge.connect(admin).setRemoteChainLimits(BNB, 1n, MAX88 + 1n))
      .to.be.revertedWithCustomError(bridge, "CapacityTooLarge")
      .withArgs(MAX88 + 1n);
    expect((await bridge.remoteChain(BNB)).outboundEnabled).to.equal(true);
  });

  it("moves amounts at the 88-bit maximum; totals carry past 88 bits; buckets refill", async function () {
    const { bridge, token, admin, attesters, bob, relayer } = await loadFixture(deployBridge);
    await token.setBridgeLimits(await bridge.getAddress(), 2n ** 100n, 2n ** 100n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, MAX88, MAX88);

    const big = { sourceChain: BNB, sequence: 1n, recipient: bob.address, amount: MAX88 };
    await expect(
      bridge.connect(relayer).deliver(BNB, src(BNB), 1n, bob.address, MAX88, await attest(bridge, big, attesters)),
    ).to.emit(bridge, "TransferDelivered");
    expect(await token.balanceOf(bob.address)).to.equal(MAX88);
    expect((await bridge.limits(BNB))[3]).to.equal(0n);
    expect(await bridge.netBridgedIn(BNB)).to.equal(MAX88);

    // The inbound limit is empty: half the capacity waits, and is released once the bucket refilled.
    const half = MAX88 / 2n;
    const second = { sourceChain: BNB, sequence: 2n, recipient: bob.address, amount: half };
    await expect(
      bridge.connect(relayer).deliver(BNB, src(BNB), 2n, bob.address, half, await attest(bridge, second, attesters)),
    ).to.emit(bridge, "TransferQueued");
    const id = await bridge.transferId(BNB, src(BNB), 31337n, 2n);
    await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "QueuedTransferNotReady");
    // The limit stays empty through the queue's wait: a transfer of the whole capacity a window later.
    await time.increase(WINDOW);
    const refill = { sourceChain: BNB, sequence: 3n, recipient: bob.address, amount: MAX88 };
    await bridge
      .connect(relayer)
      .deliver(BNB, src(BNB), 3n, bob.address, MAX88, await attest(bridge, refill, attesters));
    await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "InboundLimitExceeded");
    await time.increase(WINDOW / 2n);
    // Half a window refills half the capacity (rounded down), never more.
    const halfRefill = (await bridge.limits(BNB))[3];
    expect(halfRefill).to.be.within(half, (MAX88 * (WINDOW / 2n + 3n)) / WINDOW);
    await bridge.releaseQueued(id);
    // The inbound total now exceeds 88 bits.
    expect(await bridge.netBridgedIn(BNB)).to.equal(2n * MAX88 + half);
    expect(2n * MAX88 + half).to.be.greaterThan(2n ** 89n);

    // Outbound at the maximum: the whole bucket in one send, then only the trickle one second refills.
    await bridge.connect(bob).sendToChain(BNB, bob.address, MAX88);
    expect(await bridge.netBridgedIn(BNB)).to.equal(MAX88 + half);
    expect((await bridge.limits(BNB))[1]).to.equal(0n);
    await expect(bridge.connect(bob).sendToChain(BNB, bob.address, half))
      .to.be.revertedWithCustomError(bridge, "OutboundLimitExceeded")
      .withArgs(BNB, half, (available: bigint) => available > 0n && available <= (MAX88 * 2n) / WINDOW);
    await time.increase(WINDOW);
    expect((await bridge.limits(BNB))[1]).to.equal(MAX88);
    await bridge.connect(bob).sendToChain(BNB, bob.address, half);
    expect(await bridge.netBridgedIn(BNB)).to.equal(MAX88);
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
    // The flow's total and sequence survived the capacity changes.
    expect(await bridge.netBridgedIn(BNB)).to.equal(-100n);
    expect((await bridge.remoteChain(BNB)).lastOutboundSequence).to.equal(1n);
    await bridge.connect(admin).setRemoteChainLimits(BNB, 1000n, IN_CAP);
    await bridge.connect(alice).sendToChain(BNB, alice.address, 100n);
    expect((await bridge.remoteChain(BNB)).lastOutboundSequence).to.equal(2n);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-200n);
  });

  it("uses the last 40-bit sequence, then refuses to wrap", async function () {
    const f = await loadFixture(deployBridge);
    const { bridge, alice } = f;
    const { outbound } = await flowSlots(f, BNB, 1n, 2n);
    const flow = decodeFlow(await readWord(bridge, outbound));
    await writeWord(bridge, outbound, encodeFlow({ ...flow, sequence: MAX40 - 1n }));
    await expect(bridge.connect(alice).sendToChain(BNB, alice.address, 1n))
      .to.emit(bridge, "TransferSent")
      .withArgs(
        await bridge.transferId(31337n, await bridge.bridgeId(), BNB, MAX40),
        BNB,
        MAX40,
        alice.address,
        alice.address.toLowerCase(),
        1n,
        0n,
      );
    const view = await bridge.remoteChain(BNB);
    expect(view.lastOutboundSequence).to.equal(MAX40);
    // The total next to the sequence is intact, and so are the flags in the configuration.
    expect(await bridge.netBridgedIn(BNB)).to.equal(2n - 2n);
    expect([
      view.outboundEnabled,
      view.inboundEnabled,
      view.outboundPaused,
      view.inboundPaused,
    ]).to.deep.equal([true, true, false, false]);
    await expect(bridge.connect(alice).sendToChain(BNB, alice.address, 1n)).to.be.revertedWithPanic(0x11);
    expect((await bridge.remoteChain(BNB)).lastOutboundSequence).to.equal(MAX40);
  });

  it("keeps totals modulo 2^96: the net bridged in stays exact across a wrap of either total", async function () {
    const f = await loadFixture(deployBridge);
    const { bridge, alice, bob, attesters, relayer } = f;
    const { outbound, inbound } = await flowSlots(f, BNB, 1n, 2n);
    const out = decodeFlow(await readWord(bridge, outbound));
    const inb = decodeFlow(await readWord(bridge, inbound));
    // Both totals a few units below 2^96: the net is (2^96 - 10) - (2^96 - 3) = -7.
    await writeWord(bridge, outbound, encodeFlow({ ...out, total: MAX96 - 2n })); // 2^96 - 3
    await writeWord(bridge, inbound, encodeFlow({ ...inb, total: MAX96 - 9n })); // 2^96 - 10
    expect(await bridge.netBridgedIn(BNB)).to.equal(-7n);

    // The outbound total wraps (2^96 - 3 + 5 = 2 modulo 2^96); its neighbours are untouched.
    await bridge.connect(alice).sendToChain(BNB, alice.address, 5n);
    const wrapped = decodeFlow(await readWord(bridge, outbound));
    expect(wrapped.total).to.equal(2n);
    expect(wrapped.sequence).to.equal(2n);
    expect(wrapped.available).to.be.within(OUT_CAP - 6n, OUT_CAP);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-12n);
    expect((await bridge.remoteChain(BNB)).netBridgedIn).to.equal(-12n);

    // The inbound total wraps too (2^96 - 10 + 20 = 10).
    const t = { sourceChain: BNB, sequence: 2n, recipient: bob.address, amount: 20n };
    await bridge.connect(relayer).deliver(BNB, src(BNB), 2n, bob.address, 20n, await attest(bridge, t, attesters));
    expect(decodeFlow(await readWord(bridge, inbound)).total).to.equal(10n);
    expect(await bridge.netBridgedIn(BNB)).to.equal(8n);
  });

  it("reads the net exactly up to +-(2^95 - 1), the documented bound", async function () {
    const f = await loadFixture(deployBridge);
    const { bridge } = f;
    const { outbound, inbound } = await flowSlots(f, BNB, 1n, 2n);
    const out = decodeFlow(await readWord(bridge, outbound));
    const inb = decodeFlow(await readWord(bridge, inbound));
    const bound = 2n ** 95n - 1n;
    const setTotals = async (inTotal: bigint, outTotal: bigint) => {
      await writeWord(bridge, inbound, encodeFlow({ ...inb, total: inTotal % 2n ** 96n }));
      await writeWord(bridge, outbound, encodeFlow({ ...out, total: outTotal % 2n ** 96n }));
    };
    // True totals above 2^96 (stored modulo 2^96), nets at both ends of the range.
    const base = 5n * 2n ** 96n + 12345n;
    await setTotals(base + bound, base);
    expect(await bridge.netBridgedIn(BNB)).to.equal(bound);
    await setTotals(base, base + bound);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-bound);
    await setTotals(base + 2n ** 96n - 1n, base + 2n ** 96n);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-1n);
    // One past the bound no longer reads right: that is where the NatSpec's limit is.
    await setTotals(base + bound + 1n, base);
    expect(await bridge.netBridgedIn(BNB)).to.equal(-(bound + 1n));
  });

  it("keeps pause flags per chain beside the other flags; a chain registered while inbound is paused starts paused", async function () {
    const { bridge, admin, guardian, alice, attesters, relayer } = await loadFixture(deployBridge);
    await bridge.connect(guardian).pause(Direction.Inbound);
    await bridge.connect(admin).setRemoteChainEnabled(77n, true, true);
    await bridge.connect(admin).setRemoteChainLimits(77n, OUT_CAP, IN_CAP);
    await bridge.connect(admin).setRemoteSourceBridge(77n, src(77n));
    await configSlots(bridge, 77n, {
      out: outConfigWord(OUT_CAP, OUT_ENABLED_REGISTERED),
      in: inConfigWord(IN_CAP, IN_ENABLED | 8n, src(77n)),
    });
    const t = { sourceChain: 77n, sequence: 1n, recipient: alice.address, amount: 1n };
    await expect(
      bridge.connect(relayer).deliver(77n, src(77n), 1n, alice.address, 1n, await attest(bridge, t, attesters)),
    )
      .to.be.revertedWithCustomError(bridge, "DirectionIsPaused")
      .withArgs(Direction.Inbound, 77n);
    // Outbound to the new chain stays open, and disabling inbound keeps the pause bit.
    await bridge.connect(alice).sendToChain(77n, alice.address, 1n);
    await bridge.connect(admin).setRemoteChainEnabled(77n, true, false);
    await configSlots(bridge, 77n, {
      out: outConfigWord(OUT_CAP, OUT_ENABLED_REGISTERED),
      in: inConfigWord(IN_CAP, 8n, src(77n)),
    });
    await bridge.connect(admin).unpause(Direction.Inbound);
    await configSlots(bridge, 77n, {
      out: outConfigWord(OUT_CAP, OUT_ENABLED_REGISTERED),
      in: inConfigWord(IN_CAP, 0n, src(77n)),
    });
    // An outbound pause lands in the outbound word only.
    await bridge.connect(guardian).pause(Direction.Outbound);
    await configSlots(bridge, 77n, {
      out: outConfigWord(OUT_CAP, OUT_ENABLED_REGISTERED | 4n),
      in: inConfigWord(IN_CAP, 0n, src(77n)),
    });
  });
});
