import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, attesters, deployOracle, report, sign } from "./helpers";

/**
 * The strict read's L2 sequencer guard (Chainlink's L2 Sequencer Uptime Feed pattern), fixed at deployment:
 * off by default; with an uptime feed, `latestInferenceNoOlderThan` reverts while the sequencer is down and for the
 * grace period after it comes back. `latestInference` (the raw read) is never guarded.
 */
describe("AlloraOracle: L2 sequencer uptime guard on the strict read", () => {
  const GRACE = 3600;

  /** An uptime feed, and an oracle with topic 7 stored, guarded by that feed when `guarded`. */
  async function deploy(guarded: boolean, gracePeriod = GRACE) {
    const feed = await (await ethers.getContractFactory("SequencerUptimeFeedMock")).deploy();
    // Up for long past the grace period.
    await feed.setStatus(0, BigInt(await time.latest()) - 10_000n);
    const f = await deployOracle(3, 2, guarded ? { feed: await feed.getAddress(), gracePeriod } : undefined);
    const r = await report(7n, 42n * ONE, 1n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    return { ...f, feed };
  }
  const unguarded = () => deploy(false);
  const guarded = () => deploy(true);

  it("is off by default: the strict read ignores the sequencer", async () => {
    const { oracle, feed } = await loadFixture(unguarded);
    await feed.setStatus(1, BigInt(await time.latest()));
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([ethers.ZeroAddress, 0n]);
    expect((await oracle.latestInferenceNoOlderThan(7n, 3600n))[0]).to.equal(42n * ONE);
  });

  it("is fixed at deployment, announced by an event and readable", async () => {
    const { oracle, feed } = await loadFixture(guarded);
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([await feed.getAddress(), BigInt(GRACE)]);
    await expect(oracle.deploymentTransaction())
      .to.emit(oracle, "SequencerUptimeFeedSet")
      .withArgs(await feed.getAddress(), GRACE);
  });

  it("refuses a feed without code and a grace period without a feed", async () => {
    const [admin, guardian, stranger] = await ethers.getSigners();
    const factory = await ethers.getContractFactory("AlloraOracle");
    const token = admin.address; // any non-zero address works for the constructor
    const signers = attesters(1).map((s) => s.address);
    await expect(factory.deploy(admin.address, guardian.address, token, 1, signers, 1, stranger.address, GRACE))
      .to.be.revertedWithCustomError(factory, "NotAContract")
      .withArgs(stranger.address);
    await expect(factory.deploy(admin.address, guardian.address, token, 1, signers, 1, ethers.ZeroAddress, GRACE))
      .to.be.revertedWithCustomError(factory, "GracePeriodWithoutFeed")
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
    const f = await deploy(true, 0);
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
