import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign } from "./helpers";

describe("AlloraFeedAdapter (Chainlink AggregatorV2V3Interface)", () => {
  async function fixture() {
    const f = await deployOracle(3, 2);
    const adapter = await (
      await ethers.getContractFactory("AlloraFeedAdapter")
    ).deploy(await f.oracle.getAddress(), 14n, 18, "ETH / USD 5min (Allora topic 14)");
    return { ...f, adapter };
  }

  /** An 8-decimal adapter of topic 14 next to the fixture's 18-decimal one. */
  async function eightDecimals() {
    const f = await fixture();
    const adapter8 = await (
      await ethers.getContractFactory("AlloraFeedAdapter")
    ).deploy(await f.oracle.getAddress(), 14n, 8, "ETH / USD 5min (Allora topic 14)");
    return { ...f, adapter8 };
  }

  it("describes itself like a Chainlink feed", async () => {
    const { adapter, oracle } = await loadFixture(fixture);
    expect(await adapter.decimals()).to.equal(18n);
    expect(await adapter.version()).to.equal(2n);
    expect(await adapter.description()).to.equal("ETH / USD 5min (Allora topic 14)");
    expect(await adapter.oracle()).to.equal(await oracle.getAddress());
    expect(await adapter.topicId()).to.equal(14n);
  });

  it("rejects a zero oracle address", async () => {
    const factory = await ethers.getContractFactory("AlloraFeedAdapter");
    await expect(factory.deploy(ethers.ZeroAddress, 1n, 18, "x")).to.be.revertedWithCustomError(
      factory,
      "ZeroOracle",
    );
  });

  it("rejects decimals other than 8 and 18", async () => {
    const { oracle } = await loadFixture(fixture);
    const factory = await ethers.getContractFactory("AlloraFeedAdapter");
    for (const d of [0, 6, 9, 17, 19, 255]) {
      await expect(factory.deploy(await oracle.getAddress(), 1n, d, "x"))
        .to.be.revertedWithCustomError(factory, "UnsupportedDecimals")
        .withArgs(d);
    }
  });

  describe("8 decimals (as Chainlink's USD feeds)", () => {
    it("truncates the 18-decimal value toward zero, in V3 and V2 reads alike", async () => {
      const f = await loadFixture(eightDecimals);
      expect(await f.adapter8.decimals()).to.equal(8n);
      const cases: [bigint, bigint][] = [
        [1234_567890123456789012n, 1234_56789012n],
        [-1234_567890123456789012n, -1234_56789012n],
        [9_999999999n, 0n], // below one unit of the 8th decimal
        [-9_999999999n, 0n], // toward zero, not toward minus infinity
        [10_000000000n, 1n],
        [-10_000000000n, -1n],
      ];
      let nonce = 100n;
      for (const [value, expected] of cases) {
        nonce += 1n;
        const r = await report(14n, value, nonce);
        await f.oracle.submit(packReports([r]), await sign(f, [r]));
        expect((await f.adapter8.latestRoundData())[1]).to.equal(expected);
        expect((await f.adapter8.getRoundData(nonce))[1]).to.equal(expected);
        expect(await f.adapter8.latestAnswer()).to.equal(expected);
        expect(await f.adapter8.getAnswer(nonce)).to.equal(expected);
        // The 18-decimal adapter of the same topic serves the value unchanged.
        expect(await f.adapter.latestAnswer()).to.equal(value);
      }
    });

    it("serves the extremes of the oracle's int160 range without overflow", async () => {
      const f = await loadFixture(eightDecimals);
      const max = 2n ** 159n - 1n;
      const min = -(2n ** 159n);
      const hi = await report(14n, max, 1n);
      await f.oracle.submit(packReports([hi]), await sign(f, [hi]));
      expect(await f.adapter8.latestAnswer()).to.equal(max / 10n ** 10n);
      const lo = await report(14n, min, 2n);
      await f.oracle.submit(packReports([lo]), await sign(f, [lo]));
      expect(await f.adapter8.latestAnswer()).to.equal(-((-min) / 10n ** 10n));
      expect(await f.adapter.latestAnswer()).to.equal(min);
    });
  });

  describe("V2 reads (AggregatorInterface)", () => {
    it("read 0 while the topic has no value, and never revert", async () => {
      const { adapter } = await loadFixture(fixture);
      expect(await adapter.latestAnswer()).to.equal(0n);
      expect(await adapter.latestTimestamp()).to.equal(0n);
      expect(await adapter.latestRound()).to.equal(0n);
      expect(await adapter.getAnswer(0n)).to.equal(0n);
      expect(await adapter.getTimestamp(0n)).to.equal(0n);
      expect(await adapter.getAnswer(1n)).to.equal(0n);
    });

    it("serve the latest round, and 0 for any other round", async () => {
      const f = await loadFixture(fixture);
      const first = await report(14n, 5n * ONE, 10n);
      await f.oracle.submit(packReports([first]), await sign(f, [first]));
      const second = await report(14n, -7n * ONE, 20n);
      await f.oracle.submit(packReports([second]), await sign(f, [second]));
      expect(await f.adapter.latestAnswer()).to.equal(-7n * ONE);
      expect(await f.adapter.latestTimestamp()).to.equal(second.timestamp);
      expect(await f.adapter.latestRound()).to.equal(20n);
      expect(await f.adapter.getAnswer(20n)).to.equal(-7n * ONE);
      expect(await f.adapter.getTimestamp(20n)).to.equal(second.timestamp);
      for (const round of [0n, 10n, 19n, 21n, 2n ** 200n]) {
        expect(await f.adapter.getAnswer(round)).to.equal(0n);
        expect(await f.adapter.getTimestamp(round)).to.equal(0n);
      }
      // V2 and V3 agree on the latest round.
      const [roundId, answer, , updatedAt] = await f.adapter.latestRoundData();
      expect([roundId, answer, updatedAt]).to.deep.equal([
        await f.adapter.latestRound(),
        await f.adapter.latestAnswer(),
        await f.adapter.latestTimestamp(),
      ]);
    });

    it("cap timestamps ahead of the chain at the block's timestamp, as V3 does", async () => {
      const f = await loadFixture(fixture);
      const r = { ...(await report(14n, 3n * ONE, 30n)), timestamp: BigInt(await time.latest()) + 300n };
      await f.oracle.submit(packReports([r]), await sign(f, [r]));
      await time.increase(1);
      const now = BigInt(await time.latest());
      expect(await f.adapter.latestTimestamp()).to.equal(now);
      expect(await f.adapter.getTimestamp(30n)).to.equal(now);
    });

    it("pass a consumer written against Chainlink's V2 interface, which rejects no data and stale data", async () => {
      const f = await loadFixture(fixture);
      const consumer = await (
        await ethers.getContractFactory("ChainlinkV2StyleConsumer")
      ).deploy(await f.adapter.getAddress(), 3600n);
      await expect(consumer.price()).to.be.revertedWithCustomError(consumer, "InvalidPrice").withArgs(0n);
      const r = await report(14n, 2500n * ONE, 40n);
      await f.oracle.submit(packReports([r]), await sign(f, [r]));
      expect(await consumer.price()).to.equal(2500n * ONE);
      await time.increaseTo(r.timestamp + 3601n);
      await expect(consumer.price())
        .to.be.revertedWithCustomError(consumer, "StalePrice")
        .withArgs(r.timestamp, 3600n);
    });
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
