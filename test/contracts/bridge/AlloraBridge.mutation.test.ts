/**
 * Tests added for mutants of the bridge that survived the area's run (npm run test:mutation -- bridge;
 * docs/development.md "Mutation testing"). Each names the mutant it kills.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256 } from "ethers";
import { BNB, ONE, OUT_CAP, WINDOW, attest, deployBridge, src, type BridgeFixture } from "./fixtures";

/** Chain ids the fixture never configures. */
const NEW_CHAIN = 777n;
const OTHER_NEW_CHAIN = 778n;
/** The widest source bridge id the bridge accepts: 160 bits set. */
const WIDEST_ID = `0x${"ff".repeat(20).padStart(64, "0")}`;

/** A relayer's delivery of an attested transfer from `chain` (by default its fixture source bridge) to bob. */
async function deliverTo(f: BridgeFixture, chain: bigint, sequence: bigint, amount: bigint, sourceBridge = src(chain)) {
  const t = { sourceChain: chain, sourceBridge, sequence, recipient: f.bob.address, amount };
  return f.bridge.connect(f.relayer).deliver(chain, sourceBridge, sequence, f.bob.address, amount, await attest(f.bridge, t, f.attesters));
}

describe("AlloraBridge (mutation-found cases)", () => {
  it("a chain registered by its limits or its source bridge is registered, not enabled (that takes setRemoteChainEnabled)", async () => {
    // Kills `(_outboundPaused ? _OUTBOUND_PAUSED : 0)` -> `: 1` in _register: flag 1 is _OUTBOUND_ENABLED.
    const { bridge, admin } = await loadFixture(deployBridge);
    await bridge.connect(admin).setRemoteChainLimits(NEW_CHAIN, ONE, ONE);
    await bridge.connect(admin).setRemoteSourceBridge(OTHER_NEW_CHAIN, `0x${"11".repeat(20).padStart(64, "0")}`);
    for (const chain of [NEW_CHAIN, OTHER_NEW_CHAIN]) {
      const view = await bridge.remoteChain(chain);
      expect(await bridge.remoteChains()).to.include(chain);
      expect([view.outboundEnabled, view.inboundEnabled, view.outboundPaused, view.inboundPaused]).to.deep.equal([false, false, false, false]);
    }
  });

  it("hands the admin role over no sooner than two days after the start, as the token does", async () => {
    // Kills `INITIAL_ADMIN_TRANSFER_DELAY = 2 days` -> `1 days`.
    const { bridge, token } = await loadFixture(deployBridge);
    const twoDays = 2n * 86_400n;
    expect(await bridge.INITIAL_ADMIN_TRANSFER_DELAY()).to.equal(twoDays);
    expect(await bridge.defaultAdminDelay()).to.equal(twoDays);
    expect(await bridge.defaultAdminDelay()).to.equal(await token.defaultAdminDelay());
  });

  it("a queued transfer the limit still cannot take fails with InboundLimitExceeded(source, its amount, what is available)", async () => {
    // Kills the swap of the amount and the available amount in releaseQueued's InboundLimitExceeded.
    const { bridge, admin, attesters, bob, relayer } = await loadFixture(deployBridge);
    await bridge.connect(admin).setRemoteChainLimits(BNB, OUT_CAP, 10n * ONE);
    const deliver = async (sequence: bigint, amount: bigint) =>
      bridge
        .connect(relayer)
        .deliver(BNB, src(BNB), sequence, bob.address, amount, await attest(bridge, { sourceChain: BNB, sequence, recipient: bob.address, amount }, attesters));
    await deliver(1n, 10n * ONE); // empties the inbound limit
    await expect(deliver(2n, 6n * ONE)).to.emit(bridge, "TransferQueued");
    const id = await bridge.transferId(BNB, src(BNB), 31337n, 2n);
    await time.increase(WINDOW);
    await deliver(3n, 10n * ONE); // the refilled limit, emptied again before the release
    await expect(bridge.releaseQueued(id))
      .to.be.revertedWithCustomError(bridge, "InboundLimitExceeded")
      .withArgs(BNB, 6n * ONE, (available: bigint) => available < 6n * ONE);
  });

  it("takes the widest source bridge id (160 bits set), and isDelivered finds what came from it", async () => {
    // Kills `> _BRIDGE_ID_MASK` -> `>=` in setRemoteSourceBridge (refused the id) and in isDelivered (false for it).
    const f = await loadFixture(deployBridge);
    await f.bridge.connect(f.admin).setRemoteSourceBridge(NEW_CHAIN, WIDEST_ID);
    await f.bridge.connect(f.admin).setRemoteChainEnabled(NEW_CHAIN, true, true);
    await f.bridge.connect(f.admin).setRemoteChainLimits(NEW_CHAIN, ONE, ONE);
    expect((await f.bridge.remoteChain(NEW_CHAIN)).sourceBridge).to.equal(WIDEST_ID);
    expect(await f.bridge.isDelivered(NEW_CHAIN, WIDEST_ID, 1n)).to.equal(false);
    await deliverTo(f, NEW_CHAIN, 1n, ONE, WIDEST_ID);
    expect(await f.bridge.isDelivered(NEW_CHAIN, WIDEST_ID, 1n)).to.equal(true);
  });

  it("minting or releasing a queued transfer leaves the source's first sequence alone: an earlier sequence still mints", async () => {
    // Kills `_tryConsume(…, 0)` -> `1` in _settleInbound and in releaseQueued: the inbound flow's sequence field
    // is the admin's floor (setRemoteFirstSequence), which a delivery must not move.
    const f = await loadFixture(deployBridge);
    await f.bridge.connect(f.admin).setRemoteChainLimits(BNB, OUT_CAP, 10n * ONE);
    await deliverTo(f, BNB, 2n, 10n * ONE); // mints, and empties the inbound limit
    await expect(deliverTo(f, BNB, 3n, 6n * ONE)).to.emit(f.bridge, "TransferQueued");
    expect((await f.bridge.remoteChain(BNB)).firstInboundSequence).to.equal(1n);
    await time.increase(WINDOW);
    await f.bridge.releaseQueued(await f.bridge.transferId(BNB, src(BNB), 31337n, 3n));
    expect((await f.bridge.remoteChain(BNB)).firstInboundSequence).to.equal(1n);
    await deliverTo(f, BNB, 1n, ONE);
    expect(await f.bridge.isDelivered(BNB, src(BNB), 1n)).to.equal(true);
  });

  it("keeps 256 sequences of a source in one bitmap word, under the key chain << 160 | source bridge", async () => {
    // Kills `_WORD_SHIFT = 8` -> `7` and _replayKey's `<< 160` -> `<< 161`: both stay one-to-one, so only the
    // layout shows them (and the gas of a fresh word every 128 deliveries instead of 256).
    const f = await loadFixture(deployBridge);
    await deliverTo(f, BNB, 1n, ONE);
    await deliverTo(f, BNB, 255n, ONE);
    const coder = AbiCoder.defaultAbiCoder();
    const key = (BNB << 160n) | BigInt(src(BNB));
    const words: bigint[] = [];
    // `mapping(uint256 source => mapping(uint256 word => uint256 bits))` at some private base slot: word 0.
    for (let base = 0n; base < 64n; base++) {
      const lane = keccak256(coder.encode(["uint256", "uint256"], [key, base]));
      const word = BigInt(await ethers.provider.getStorage(await f.bridge.getAddress(), keccak256(coder.encode(["uint256", "bytes32"], [0n, lane]))));
      if (word !== 0n) words.push(word);
    }
    expect(words).to.deep.equal([(1n << 1n) | (1n << 255n)]);
  });
});
