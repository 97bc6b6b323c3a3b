import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign } from "./helpers";

/** A consumer compiled against Chainlink's published AggregatorV2V3Interface (npm @chainlink/contracts). */
describe("AlloraFeedAdapter read through Chainlink's published AggregatorV2V3Interface", () => {
  async function fixture() {
    const f = await deployOracle(3, 2);
    const adapter = await (
      await ethers.getContractFactory("AlloraFeedAdapter")
    ).deploy(await f.oracle.getAddress(), 14n, 8, "ETH / USD 5min (Allora topic 14)");
    const consumer = await (await ethers.getContractFactory("ChainlinkPublishedConsumer")).deploy(await adapter.getAddress());
    return { ...f, adapter, consumer };
  }

  it("reads decimals, description, V3 and V2 answers unchanged", async () => {
    const f = await loadFixture(fixture);
    const r = await report(14n, 2_512_345678901234567890n, 42n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    const out = await f.consumer.readAll();
    expect([...out]).to.deep.equal([8n, "ETH / USD 5min (Allora topic 14)", 42n, 2_512_34567890n, r.timestamp, 2_512_34567890n, r.timestamp, 42n]);
    expect(ONE).to.equal(10n ** 18n);
  });
});
