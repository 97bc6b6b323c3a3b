/**
 * Tests added for mutants of the bridge that survived the area's run (npm run test:mutation -- bridge;
 * docs/development.md "Mutation testing"). Each names the mutant it kills.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { BNB, ONE, OUT_CAP, WINDOW, attest, deployBridge, src } from "./fixtures";

/** Chain ids the fixture never configures. */
const NEW_CHAIN = 777n;
const OTHER_NEW_CHAIN = 778n;

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
});
