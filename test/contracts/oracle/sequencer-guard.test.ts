import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign } from "./helpers";

/**
 * The strict read's L2 sequencer guard (Chainlink's L2 Sequencer Uptime Feed pattern): off by default;
 * when an uptime feed is set, `latestInferenceNoOlderThan` reverts while the sequencer is down and for the
 * grace period after it comes back. `latestInference` (the raw read) is never guarded.
 */
describe("AlloraOracle: L2 sequencer uptime guard on the strict read", () => {
  const GRACE = 3600;

  async function fixture() {
    const f = await deployOracle(3, 2);
    const feed = await (await ethers.getContractFactory("SequencerUptimeFeedMock")).deploy();
    const r = await report(7n, 42n * ONE, 1n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    const [admin, guardian, stranger] = await ethers.getSigners();
    return { ...f, feed, admin, guardian, stranger };
  }

  /** Guard on, sequencer up for long past the grace period. */
  async function guarded() {
    const f = await fixture();
    await f.feed.setStatus(0, BigInt(await time.latest()) - 10_000n);
    await f.oracle.setSequencerUptimeFeed(await f.feed.getAddress(), GRACE);
    return f;
  }

  it("is off by default: the strict read ignores any feed", async () => {
    const { oracle } = await loadFixture(fixture);
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([ethers.ZeroAddress, 0n]);
    expect((await oracle.latestInferenceNoOlderThan(7n, 3600n))[0]).to.equal(42n * ONE);
  });

  it("is set by the admin only, with an event", async () => {
    const { oracle, feed, admin, guardian, stranger } = await loadFixture(fixture);
    const feedAddress = await feed.getAddress();
    await expect(oracle.setSequencerUptimeFeed(feedAddress, GRACE))
      .to.emit(oracle, "SequencerUptimeFeedSet")
      .withArgs(feedAddress, GRACE, admin.address);
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([feedAddress, BigInt(GRACE)]);
    for (const who of [guardian, stranger]) {
      await expect(oracle.connect(who).setSequencerUptimeFeed(ethers.ZeroAddress, 0))
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(who.address, await oracle.DEFAULT_ADMIN_ROLE());
    }
    await expect(oracle.setSequencerUptimeFeed(ethers.ZeroAddress, 0))
      .to.emit(oracle, "SequencerUptimeFeedSet")
      .withArgs(ethers.ZeroAddress, 0, admin.address);
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([ethers.ZeroAddress, 0n]);
  });

  it("refuses a feed without code and a grace period without a feed", async () => {
    const { oracle, stranger } = await loadFixture(fixture);
    await expect(oracle.setSequencerUptimeFeed(stranger.address, GRACE))
      .to.be.revertedWithCustomError(oracle, "NotAContract")
      .withArgs(stranger.address);
    await expect(oracle.setSequencerUptimeFeed(ethers.ZeroAddress, GRACE))
      .to.be.revertedWithCustomError(oracle, "GracePeriodWithoutFeed")
      .withArgs(GRACE);
  });

  it("lets strict reads through while the sequencer has been up for longer than the grace period", async () => {
    const { oracle } = await loadFixture(guarded);
    expect((await oracle.latestInferenceNoOlderThan(7n, 3600n))[0]).to.equal(42n * ONE);
  });

  it("reverts strict reads while the sequencer is down, raw reads keep working", async () => {
    const { oracle, feed } = await loadFixture(guarded);
    await feed.setStatus(1, BigInt(await time.latest()));
    await expect(oracle.latestInferenceNoOlderThan(7n, 3600n)).to.be.revertedWithCustomError(oracle, "SequencerDown");
    expect((await oracle.latestInference(7n))[0]).to.equal(42n * ONE);
  });

  it("reverts strict reads for the grace period after the sequencer comes back, then lets them through", async () => {
    const { oracle, feed } = await loadFixture(guarded);
    const upSince = BigInt(await time.latest()) + 1n;
    await feed.setStatus(0, upSince); // mined at upSince
    await expect(oracle.latestInferenceNoOlderThan(7n, 100_000n))
      .to.be.revertedWithCustomError(oracle, "SequencerGracePeriodNotOver")
      .withArgs(upSince, GRACE);
    // Exactly at the end of the grace period: still inside (Chainlink's `<=`).
    await time.increaseTo(upSince + BigInt(GRACE));
    await expect(oracle.latestInferenceNoOlderThan(7n, 100_000n)).to.be.revertedWithCustomError(
      oracle,
      "SequencerGracePeriodNotOver",
    );
    await time.increaseTo(upSince + BigInt(GRACE) + 1n);
    expect((await oracle.latestInferenceNoOlderThan(7n, 100_000n))[0]).to.equal(42n * ONE);
  });

  it("treats a status change stamped ahead of the block as just now", async () => {
    const { oracle, feed } = await loadFixture(guarded);
    await feed.setStatus(0, BigInt(await time.latest()) + 1_000n);
    await expect(oracle.latestInferenceNoOlderThan(7n, 100_000n)).to.be.revertedWithCustomError(
      oracle,
      "SequencerGracePeriodNotOver",
    );
  });

  it("reverts strict reads while the feed has no status yet (startedAt 0)", async () => {
    const { oracle, feed } = await loadFixture(guarded);
    await feed.setStatus(0, 0);
    await expect(oracle.latestInferenceNoOlderThan(7n, 100_000n)).to.be.revertedWithCustomError(
      oracle,
      "SequencerStatusUnknown",
    );
  });

  it("still applies the max-age and no-inference checks once the sequencer is up", async () => {
    const { oracle } = await loadFixture(guarded);
    await expect(oracle.latestInferenceNoOlderThan(8n, 3600n))
      .to.be.revertedWithCustomError(oracle, "NoInference")
      .withArgs(8n);
    await time.increase(4000);
    await expect(oracle.latestInferenceNoOlderThan(7n, 3600n)).to.be.revertedWithCustomError(oracle, "StaleInference");
  });

  it("with a grace period of 0 lets reads through from the second after the sequencer comes back", async () => {
    const f = await loadFixture(fixture);
    await f.oracle.setSequencerUptimeFeed(await f.feed.getAddress(), 0);
    const upSince = BigInt(await time.latest()) + 1n;
    await f.feed.setStatus(0, upSince);
    await expect(f.oracle.latestInferenceNoOlderThan(7n, 100_000n)).to.be.revertedWithCustomError(
      f.oracle,
      "SequencerGracePeriodNotOver",
    );
    await time.increase(1);
    expect((await f.oracle.latestInferenceNoOlderThan(7n, 100_000n))[0]).to.equal(42n * ONE);
  });
});
