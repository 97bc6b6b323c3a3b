import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import {
  EVM_CHAINS,
  EVM_PEERS,
  HUB_CHAINS,
  cosmosBridgeChainId,
  evmChain,
  evmChainById,
  hubChain,
} from "../../../lib/chains";

describe("lib/chains (the chain registry)", function () {
  it("derives hub bridge ids with the top bit set, from the first 8 bytes of keccak256(chain id)", function () {
    const id = cosmosBridgeChainId("allora-mainnet-1");
    expect(id >> 63n).to.equal(1n);
    expect(id & ((1n << 63n) - 1n)).to.equal(
      BigInt(keccak256(toUtf8Bytes("allora-mainnet-1")).slice(0, 18)) & ((1n << 63n) - 1n),
    );
    expect(HUB_CHAINS["allora-devnet"].bridgeChainId).to.equal(cosmosBridgeChainId("allora-devnet-1"));
    expect(() => cosmosBridgeChainId("Allora Mainnet")).to.throw(/invalid Cosmos chain id/);
  });

  it("maps our chains to Axelar's names and EIP-155 ids", function () {
    expect([
      EVM_CHAINS.ethereum.axelarName,
      EVM_CHAINS.bnb.axelarName,
      EVM_CHAINS.base.axelarName,
    ]).to.deep.equal(["Ethereum", "binance", "base"]); // Axelar's axelarIds, case included
    expect([EVM_CHAINS.ethereum.chainId, EVM_CHAINS.bnb.chainId, EVM_CHAINS.base.chainId]).to.deep.equal([
      1, 56, 8453,
    ]);
    expect(evmChainById(8453).name).to.equal("base");
    expect(evmChain("bnbLocal").chainId).to.equal(31338);
    expect(hubChain("allora-testnet").cosmosChainId).to.equal("allora-testnet-1");
  });

  it("names the known values when a name or id is unknown", function () {
    expect(() => evmChain("polygon")).to.throw(
      /unknown EVM chain "polygon": expected one of ethereum, bnb, base/,
    );
    expect(() => evmChainById(137)).to.throw(/no EVM chain with chain id 137/);
    expect(() => hubChain("allora")).to.throw(/unknown hub network "allora"/);
  });

  it("gives every hub network three distinct EVM peers, none a hub id", function () {
    for (const [hub, peers] of Object.entries(EVM_PEERS)) {
      const ids = peers.map((p) => BigInt(EVM_CHAINS[p].chainId));
      expect(new Set(ids).size, hub).to.equal(3);
      for (const id of ids) expect(id >> 63n).to.equal(0n);
    }
  });
});
