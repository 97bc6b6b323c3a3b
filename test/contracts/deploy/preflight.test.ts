/**
 * What scripts/deploy.ts checks before it sends anything (deploy/preflight.ts), and the network-neutral
 * example parameters: the newcomer's path to a testnet deploy (issue 15, item 5).
 */
import { expect } from "chai";
import hre from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs";
import path from "node:path";
import { EVM_CHAINS, EVM_PEERS, publicEvmChains } from "../../../lib/chains";
import { AXELAR_PUBLISHED, checkAxelarParameters, hubOf } from "../../../deploy/axelar";
import { CREATEX_ADDRESS, ensureCreateX, type RpcProvider } from "../../../deploy/createx";
import { parseParameters, PARAMETERS_DIR } from "../../../deploy/parameters";
import { checkCreateX, environmentProblems, withNetworkDefaults } from "../../../deploy/preflight";
import { rejection } from "../rejection";

describe("deploy preflight", function () {
  it("names the missing RPC URL variable and deployer key of every public network", function () {
    for (const chain of publicEvmChains()) {
      const problems = environmentProblems(chain.name, {});
      expect(problems.join("\n")).to.match(new RegExp(`^${chain.rpcUrlEnv} is not set: export ${chain.rpcUrlEnv}=`));
      expect(problems.join("\n")).to.include("DEPLOYER_PRIVATE_KEY is not set");
      expect(environmentProblems(chain.name, { [chain.rpcUrlEnv!]: "http://x", DEPLOYER_PRIVATE_KEY: "0x1" })).to.deep.equal([]);
    }
    expect(publicEvmChains().map((c) => c.rpcUrlEnv)).to.include.members(["SEPOLIA_RPC_URL", "BNB_TESTNET_RPC_URL"]);
    for (const local of ["hardhat", "localhost", "ethereumLocal", "bnbLocal", "baseLocal"]) {
      expect(environmentProblems(local, {})).to.deep.equal([]);
    }
  });

  it("one name per chain: the Hardhat networks are lib/chains.ts's names, with their chain ids", function () {
    for (const chain of publicEvmChains()) {
      const net = hre.config.networks[chain.name] as { chainId?: number } | undefined;
      expect(net, `hardhat network ${chain.name}`).to.not.equal(undefined);
      expect(net!.chainId).to.equal(chain.chainId);
    }
    for (const local of ["ethereumLocal", "bnbLocal", "baseLocal"]) {
      expect((hre.config.networks[local] as { chainId?: number }).chainId).to.equal(EVM_CHAINS[local as "bnbLocal"].chainId);
    }
    expect(Object.keys(hre.config.networks)).to.not.include.members(["bsc"]);
    expect(Object.keys(hre.config.networks)).to.not.include.members(["bscTestnet"]);
  });

  it("example.json serves every public chain: Axelar's addresses and the hub network come from the chain", function () {
    const example = parseParameters(
      JSON.parse(fs.readFileSync(path.join(PARAMETERS_DIR, "example.json"), "utf8")),
      "example.json",
    );
    for (const chain of publicEvmChains()) {
      const params = withNetworkDefaults(example, chain.name);
      expect({ gateway: params.axelar!.gateway, gasService: params.axelar!.gasService }).to.deep.equal(
        AXELAR_PUBLISHED[chain.name],
      );
      expect(() => checkAxelarParameters(chain.name, chain.name, params.axelar!)).not.to.throw();
      expect(params.bridge!.hub).to.equal(hubOf(chain.name));
      expect(EVM_PEERS[hubOf(chain.name)]).to.include(chain.name);
    }
    expect(withNetworkDefaults(example, "sepolia").bridge!.hub).to.equal("allora-testnet");
    expect(withNetworkDefaults(example, "base").bridge!.hub).to.equal("allora-mainnet");
    expect(() => withNetworkDefaults(example, "ethereumLocal")).to.throw(/"published" takes Axelar's addresses of a public chain.*or "local"/);
    // An explicit address or hub is kept as written.
    const explicit = withNetworkDefaults({ ...example, bridge: { ...example.bridge!, hub: "allora-testnet" } }, "base");
    expect(explicit.bridge!.hub).to.equal("allora-testnet");
  });

  describe("CreateX", function () {
    before(async () => reset());
    after(async () => reset());

    it("on a chain without CreateX: says so with how to check, before anything is sent", async function () {
      const provider = hre.ethers.provider;
      const before = await provider.getBlockNumber();
      expect(await provider.getCode(CREATEX_ADDRESS)).to.equal("0x");
      const message = await rejection(checkCreateX(provider, "sepolia"));
      expect(message).to.match(/CreateX is not deployed on sepolia \(chain id 31337\) at 0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed/);
      expect(message).to.include("Nothing was sent");
      expect(message).to.include(`"method":"eth_getCode","params":["${CREATEX_ADDRESS}","latest"]}' "$SEPOLIA_RPC_URL"`);
      expect(await provider.getBlockNumber()).to.equal(before);
      // A local network installs CreateX itself: nothing to check.
      await checkCreateX(provider, "hardhat");
    });

    it("passes once CreateX is there", async function () {
      await ensureCreateX(hre.ethers.provider as unknown as RpcProvider, true);
      await checkCreateX(hre.ethers.provider, "sepolia");
    });
  });
});
