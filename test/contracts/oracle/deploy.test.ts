import { expect } from "chai";
import hre, { ethers } from "hardhat";
import AlloraOracleModule, { buildAlloraOracleModule } from "../../../deploy/modules/AlloraOracle";
import { attesters } from "./helpers";

describe("deploy/modules/AlloraOracle (Ignition)", () => {
  async function parameters() {
    const [admin, guardian] = await ethers.getSigners();
    const token = await ethers.deployContract("AlloToken", [admin.address]);
    return {
      admin: admin.address,
      guardian: guardian.address,
      paymentToken: await token.getAddress(),
      attesterSetId: 3,
      signers: attesters(3, "ignition").map((w) => w.address),
      threshold: 2,
    };
  }

  it("deploys the oracle with its roles, token and attester set", async () => {
    const params = await parameters();
    const { oracle } = await hre.ignition.deploy(AlloraOracleModule, {
      parameters: { AlloraOracle: params },
    });
    const deployed = await ethers.getContractAt("AlloraOracle", await oracle.getAddress());
    expect(await deployed.hasRole(await deployed.DEFAULT_ADMIN_ROLE(), params.admin)).to.equal(true);
    expect(await deployed.hasRole(await deployed.GUARDIAN_ROLE(), params.guardian)).to.equal(true);
    expect(await deployed.paymentToken()).to.equal(params.paymentToken);
    expect(await deployed.attesterSet()).to.deep.equal([3n, params.signers, 2n]);
  });

  it("deploys one feed adapter per listed topic, wired to the oracle", async () => {
    const params = await parameters();
    const module = buildAlloraOracleModule([
      { topicId: 14, decimals: 8, description: "ETH / USD 5min (Allora topic 14)" },
      { topicId: 1n, decimals: 18, description: "BTC / USD 10min (Allora topic 1)" },
    ]);
    const out = (await hre.ignition.deploy(module, { parameters: { AlloraOracle: params } })) as Record<
      string,
      { getAddress(): Promise<string> }
    >;
    const adapter = await ethers.getContractAt(
      "AlloraFeedAdapter",
      await out.AlloraFeedAdapter_topic14.getAddress(),
    );
    expect(await adapter.oracle()).to.equal(await out.oracle.getAddress());
    expect(await adapter.topicId()).to.equal(14n);
    expect(await adapter.description()).to.equal("ETH / USD 5min (Allora topic 14)");
    expect(await adapter.decimals()).to.equal(8n);
    const btc = await ethers.getContractAt(
      "AlloraFeedAdapter",
      await out.AlloraFeedAdapter_topic1.getAddress(),
    );
    expect(await btc.topicId()).to.equal(1n);
    expect(await btc.decimals()).to.equal(18n);
  });

  it("refuses a topic listed twice", () => {
    expect(() =>
      buildAlloraOracleModule([
        { topicId: 1, decimals: 18, description: "a" },
        { topicId: 1n, decimals: 18, description: "b" },
      ]),
    ).to.throw(/topic 1 is listed twice/);
  });

  it("refuses decimals other than 8 and 18", () => {
    expect(() =>
      buildAlloraOracleModule([{ topicId: 3, decimals: 6 as unknown as 8, description: "a" }]),
    ).to.throw(/topic 3 asks for 6 decimals; use 8 or 18/);
  });
});
