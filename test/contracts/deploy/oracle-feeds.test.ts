import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadParameters, parseParameters, type DeployParameters } from "../../../deploy/parameters";
import { deployStack, feedTopicOf, recordName } from "../../../deploy/stack";
import { manifestContracts } from "../../../scripts/devnet/deploy";
import { devnetFeeds, withDevnetFeeds } from "../../../scripts/devnet/feeds";

/** The deploy stack's oracle section: one feed adapter per listed topic, and the L2 sequencer guard. */
describe("deploy: the oracle's feed adapters and sequencer guard", function () {
  let dir: string;

  beforeEach(async function () {
    await reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-feeds-"));
  });

  after(async function () {
    await reset();
  });

  function params(oracle: Partial<NonNullable<DeployParameters["oracle"]>>): DeployParameters {
    const { params: p } = loadParameters("hardhat");
    return { ...p, oracle: { ...p.oracle!, ...oracle } };
  }

  const FEEDS = [
    { topic: 1, decimals: 8 as const, description: "ETH / USD 5min (Allora topic 1)" },
    { topic: 2, decimals: 18 as const, description: "BTC / USD 24h log-return (Allora topic 2; may be negative)" },
  ];

  it("deploys one adapter per listed topic, records each under its topic, and is idempotent", async function () {
    const first = await deployStack(hre, params({ feeds: FEEDS }), { deploymentsDir: dir, modules: ["AlloraOracle"] });
    const rec = first.record.contracts;
    expect(Object.keys(rec)).to.include.members(["AlloraOracle", "AlloraFeedAdapter_topic1", "AlloraFeedAdapter_topic2"]);
    expect(first.deployed).to.include.members(["AlloraFeedAdapter_topic1", "AlloraFeedAdapter_topic2"]);
    for (const f of FEEDS) {
      const adapter = await ethers.getContractAt("AlloraFeedAdapter", rec[`AlloraFeedAdapter_topic${f.topic}`].address);
      expect(await adapter.oracle()).to.equal(rec.AlloraOracle.address);
      expect(await adapter.topicId()).to.equal(BigInt(f.topic));
      expect(await adapter.decimals()).to.equal(BigInt(f.decimals));
      expect(await adapter.description()).to.equal(f.description);
    }
    const blocks = await ethers.provider.getBlockNumber();
    const second = await deployStack(hre, params({ feeds: FEEDS }), { deploymentsDir: dir, modules: ["AlloraOracle"] });
    expect(second.deployed).to.deep.equal([]);
    expect(second.sent).to.deep.equal([]);
    expect(await ethers.provider.getBlockNumber()).to.equal(blocks);
    // The manifest lists the adapters by topic, apart from the named contracts.
    const m = manifestContracts(second.record.contracts);
    expect(m.feeds).to.deep.equal({ "1": rec.AlloraFeedAdapter_topic1.address, "2": rec.AlloraFeedAdapter_topic2.address });
    expect(m.oracle).to.equal(rec.AlloraOracle.address);
    expect(Object.keys(m)).not.to.include("alloraFeedAdapter_topic1");
  });

  it("deploys the oracle with the sequencer guard of the parameters, and without one by default", async function () {
    const feed = await (await ethers.getContractFactory("SequencerUptimeFeedMock")).deploy();
    const guard = { address: await feed.getAddress(), gracePeriod: 3600 };
    const on = await deployStack(hre, params({ sequencerUptimeFeed: guard }), { deploymentsDir: dir, modules: ["AlloraOracle"] });
    const oracle = await ethers.getContractAt("AlloraOracle", on.record.contracts.AlloraOracle.address);
    expect(await oracle.sequencerUptimeFeed()).to.deep.equal([guard.address, 3600n]);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "allo-feeds-"));
    const off = await deployStack(hre, params({}), { deploymentsDir: elsewhere, modules: ["AlloraOracle"] });
    const plain = await ethers.getContractAt("AlloraOracle", off.record.contracts.AlloraOracle.address);
    expect(await plain.sequencerUptimeFeed()).to.deep.equal([ethers.ZeroAddress, 0n]);
  });

  it("validates the section: decimals, duplicate topics, the guard's address and grace period", function () {
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "../../../deploy/parameters/local.json"), "utf8")) as Record<string, unknown>;
    const withOracle = (oracle: Record<string, unknown>) => ({ ...raw, oracle: { admin: "deployer", guardian: "deployer", ...oracle } });
    const problem = (oracle: Record<string, unknown>) => {
      try {
        parseParameters(withOracle(oracle), "x.json");
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problem({ feeds: [{ topic: 1, decimals: 6, description: "a" }] })).to.match(/oracle\.feeds\.0\.decimals: expected 8 \(as Chainlink's USD feeds\) or 18/);
    expect(
      problem({
        feeds: [
          { topic: 1, decimals: 8, description: "a" },
          { topic: 1, decimals: 18, description: "b" },
        ],
      }),
    ).to.match(/oracle\.feeds\.1\.topic: topic 1 is listed twice/);
    expect(problem({ feeds: [{ topic: 1, decimals: 8, description: "a", heartbeat: 1 }] })).to.match(/unknown field\(s\) heartbeat: a feed takes topic, decimals and description/);
    expect(problem({ sequencerUptimeFeed: { address: ethers.ZeroAddress, gracePeriod: 1 } })).to.match(/sequencerUptimeFeed\.address: expected the uptime feed's 0x address/);
    expect(problem({ sequencerUptimeFeed: { address: "0x" + "11".repeat(20), gracePeriod: -1 } })).to.match(/sequencerUptimeFeed\.gracePeriod/);
    expect(problem({ feeds: [{ topic: 3, decimals: 18, description: "ok" }] })).to.equal("");
  });

  it("names feed adapters in the record by topic", function () {
    expect(recordName("AlloraFeedAdapter_topic14", "AlloraFeedAdapter")).to.equal("AlloraFeedAdapter_topic14");
    expect(recordName("oracle", "AlloraOracle")).to.equal("AlloraOracle");
    expect(feedTopicOf("AlloraFeedAdapter_topic14")).to.equal("14");
    expect(feedTopicOf("AlloraOracle")).to.equal(undefined);
  });

  it("gives the local network one feed per topic: 8 decimals for prices, 18 and a warning for signed topics", function () {
    const feeds = devnetFeeds(3);
    expect(feeds.map((f) => f.topic)).to.deep.equal([1, 2, 3]);
    expect(feeds[0]).to.deep.include({ decimals: 8 });
    expect(feeds[0].description).to.match(/ETH\/USD .*\(Allora topic 1\)$/);
    expect(feeds[1]).to.deep.include({ decimals: 18 });
    expect(feeds[1].description).to.match(/log-return.*\(Allora topic 2; may be negative\)$/);
    const { params: p } = loadParameters("hardhat");
    expect(withDevnetFeeds(p, {}).oracle?.feeds).to.deep.equal(p.oracle?.feeds);
    expect(withDevnetFeeds(p, { DEVNET_FEEDS: JSON.stringify(feeds) }).oracle?.feeds).to.deep.equal(feeds);
  });
});
