import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign } from "./helpers";

describe("AlloraFeedAdapter (Chainlink AggregatorV3Interface)", () => {
  async function fixture() {
    const f = await deployOracle(3, 2);
    const adapter = await (
      await ethers.getContractFactory("AlloraFeedAdapter")
    ).deploy(await f.oracle.getAddress(), 14n, "ETH / USD 5min (Allora topic 14)");
    return { ...f, adapter };
  }

  it("describes itself like a Chainlink feed", async () => {
    const { adapter, oracle } = await loadFixture(fixture);
    expect(await adapter.decimals()).to.equal(18n);
    expect(await adapter.version()).to.equal(1n);
    expect(await adapter.description()).to.equal("ETH / USD 5min (Allora topic 14)");
    expect(await adapter.oracle()).to.equal(await oracle.getAddress());
    expect(await adapter.topicId()).to.equal(14n);
  });

  it("rejects a zero oracle address", async () => {
    const factory = await ethers.getContractFactory("AlloraFeedAdapter");
    await expect(factory.deploy(ethers.ZeroAddress, 1n, "x")).to.be.revertedWithCustomError(
      factory,
      "ZeroOracle",
    );
  });

  it("latestRoundData reverts while the topic has no value", async () => {
    const { adapter, oracle } = await loadFixture(fixture);
    await expect(adapter.latestRoundData())
      .to.be.revertedWithCustomError(oracle, "NoInference")
      .withArgs(14n);
    await expect(adapter.getRoundData(0n))
      .to.be.revertedWithCustomError(adapter, "RoundNotAvailable")
      .withArgs(0n);
  });

  it("serves the latest inference with round id = hub nonce", async () => {
    const f = await loadFixture(fixture);
    const r = await report(14n, -2500n * ONE, 777n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    expect(await f.adapter.latestRoundData()).to.deep.equal([
      777n,
      -2500n * ONE,
      r.timestamp,
      r.timestamp,
      777n,
    ]);
    expect(await f.adapter.getRoundData(777n)).to.deep.equal([
      777n,
      -2500n * ONE,
      r.timestamp,
      r.timestamp,
      777n,
    ]);
  });

  it("getRoundData reverts for rounds that are not the stored one", async () => {
    const f = await loadFixture(fixture);
    const first = await report(14n, 1n, 10n);
    await f.oracle.submit(packReports([first]), await sign(f, [first]));
    const second = await report(14n, 2n, 20n);
    await f.oracle.submit(packReports([second]), await sign(f, [second]));
    for (const round of [10n, 15n, 21n, 0n]) {
      await expect(f.adapter.getRoundData(round))
        .to.be.revertedWithCustomError(f.adapter, "RoundNotAvailable")
        .withArgs(round);
    }
    expect((await f.adapter.latestRoundData())[0]).to.equal(20n);
  });

  it("reads only its own topic", async () => {
    const f = await loadFixture(fixture);
    const other = await report(15n, 5n, 1n);
    await f.oracle.submit(packReports([other]), await sign(f, [other]));
    await expect(f.adapter.latestRoundData()).to.be.revertedWithCustomError(f.oracle, "NoInference");
  });

  describe("a report stamped ahead of the chain (within the oracle's 10-minute drift)", () => {
    async function ahead() {
      const f = await fixture();
      const consumer = await (
        await ethers.getContractFactory("ChainlinkStyleConsumer")
      ).deploy(await f.adapter.getAddress(), 3600n);
      // The hub's clock is 299 s ahead of this chain's: the report's timestamp is in the chain's future.
      const r = { ...(await report(14n, 3000n * ONE, 500n)), timestamp: BigInt(await time.latest()) + 300n };
      await f.oracle.submit(packReports([r]), await sign(f, [r]));
      return { ...f, consumer, r };
    }

    it("never reports updatedAt after the block's timestamp, so a Chainlink-style consumer reads it", async () => {
      const { adapter, consumer, r } = await loadFixture(ahead);
      // Read in the next block (one second later): still 299 s ahead of the chain.
      await time.increase(1);
      const now = BigInt(await time.latest());
      expect(r.timestamp - now).to.be.within(290n, 299n);
      const [roundId, answer, startedAt, updatedAt, answeredInRound] = await adapter.latestRoundData();
      expect([roundId, answer, answeredInRound]).to.deep.equal([500n, 3000n * ONE, 500n]);
      expect(updatedAt).to.equal(now);
      expect(startedAt).to.equal(now);
      expect(await adapter.getRoundData(500n)).to.deep.equal([500n, 3000n * ONE, now, now, 500n]);
      expect(await consumer.price()).to.equal(3000n * ONE);
    });

    it("reports the hub's own timestamp once the chain's clock has passed it", async () => {
      const { adapter, consumer, r } = await loadFixture(ahead);
      await time.increaseTo(r.timestamp + 10n);
      expect((await adapter.latestRoundData())[3]).to.equal(r.timestamp);
      expect(await consumer.price()).to.equal(3000n * ONE);
      // And the heartbeat still applies from the hub's timestamp.
      await time.increaseTo(r.timestamp + 3601n);
      await expect(consumer.price())
        .to.be.revertedWithCustomError(consumer, "StalePrice")
        .withArgs(r.timestamp, 3600n);
    });
  });
});
