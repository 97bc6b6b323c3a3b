import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CREATEX_ADDRESS, ensureCreateX, guardedSalt, predictCreate2Address, type RpcProvider } from "../../../deploy/createx";
import { DEFAULT_TOKEN_SALT, loadParameters, parseParameters, type DeployParameters } from "../../../deploy/parameters";
import { deployStack } from "../../../deploy/stack";
import { rejection } from "../rejection";

const CREATEX_ABI = [
  "function deployCreate2(bytes32 salt, bytes initCode) payable returns (address)",
  "error InvalidSalt(address emitter)",
];

function localParams(overrides: Partial<DeployParameters["token"]> = {}): DeployParameters {
  const { params } = loadParameters("hardhat");
  return { ...params, token: { ...params.token, ...overrides } };
}

describe("deploy: CREATE2 through CreateX, deployStack", function () {
  let dir: string;
  const provider = () => ethers.provider as unknown as RpcProvider;

  beforeEach(async function () {
    await reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-deploy-"));
  });

  after(async function () {
    await reset();
  });

  describe("predictCreate2Address matches CreateX on chain for every salt kind", function () {
    it("random, zero-prefixed (with and without chain id) and sender-prefixed (with and without chain id)", async function () {
      const [deployer] = await ethers.getSigners();
      expect(await ensureCreateX(provider(), true)).to.equal("installed");
      expect(await ensureCreateX(provider(), true)).to.equal("present");
      const createx = new ethers.Contract(CREATEX_ADDRESS, CREATEX_ABI, deployer);
      const initCode = (await (await ethers.getContractFactory("FlaggedRateLimitHarness")).getDeployTransaction(60n)).data;
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const tail = "aa".repeat(11);
      const salts = {
        random: DEFAULT_TOKEN_SALT,
        zeroNoChain: "0x" + "00".repeat(20) + "00" + tail,
        zeroWithChain: "0x" + "00".repeat(20) + "01" + tail,
        senderNoChain: deployer.address.toLowerCase() + "00" + tail,
        senderWithChain: deployer.address.toLowerCase() + "01" + tail,
      };
      const predictions = new Set<string>();
      for (const [kind, salt] of Object.entries(salts)) {
        const predicted = predictCreate2Address(salt, initCode, deployer.address, chainId);
        const actual = (await createx.deployCreate2.staticCall(salt, initCode)) as string;
        expect(actual, kind).to.equal(predicted);
        predictions.add(predicted);
      }
      expect(predictions.size).to.equal(5);
      // The chain id enters only the two "with chain" kinds.
      const other = chainId + 1n;
      expect(predictCreate2Address(salts.random, initCode, deployer.address, other)).to.equal(
        predictCreate2Address(salts.random, initCode, deployer.address, chainId),
      );
      expect(predictCreate2Address(salts.zeroWithChain, initCode, deployer.address, other)).not.to.equal(
        predictCreate2Address(salts.zeroWithChain, initCode, deployer.address, chainId),
      );
    });

    it("rejects the salts CreateX rejects, and malformed salts", async function () {
      const [deployer] = await ethers.getSigners();
      await ensureCreateX(provider(), true);
      const createx = new ethers.Contract(CREATEX_ADDRESS, CREATEX_ABI, deployer);
      const badFlag = deployer.address.toLowerCase() + "02" + "aa".repeat(11);
      await expect(createx.deployCreate2.staticCall(badFlag, "0x00")).to.be.revertedWithCustomError(createx, "InvalidSalt");
      expect(() => guardedSalt(badFlag, deployer.address, 1n)).to.throw(/byte 21 must be 0x00 or 0x01/);
      const zeroBadFlag = "0x" + "00".repeat(20) + "02" + "aa".repeat(11);
      await expect(createx.deployCreate2.staticCall(zeroBadFlag, "0x00")).to.be.revertedWithCustomError(
        createx,
        "InvalidSalt",
      );
      expect(() => guardedSalt(zeroBadFlag, deployer.address, 1n)).to.throw(/byte 21/);
      expect(() => guardedSalt("0x1234", deployer.address, 1n)).to.throw(/32 bytes/);
    });

    it("refuses a real chain without CreateX instead of installing it", async function () {
      expect(await rejection(ensureCreateX(provider(), false))).to.match(/CreateX is not deployed/);
    });
  });

  describe("deployStack on the in-process chain", function () {
    it("deploys the token at its predicted address, wires the guardian and writes the record", async function () {
      const [deployer] = await ethers.getSigners();
      const params = localParams();
      const result = await deployStack(hre, params, { deploymentsDir: dir });
      const factory = await ethers.getContractFactory("AlloToken");
      const initCode = (await factory.getDeployTransaction(deployer.address)).data;
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const predicted = predictCreate2Address(DEFAULT_TOKEN_SALT, initCode, deployer.address, chainId);
      expect(result.deployed).to.include("AlloToken");
      expect(result.record.contracts.AlloToken.address).to.equal(predicted);

      const token = await ethers.getContractAt("AlloToken", predicted);
      expect(await token.defaultAdmin()).to.equal(deployer.address);
      const guardian = params.token.guardians[0];
      expect(await token.hasRole(await token.GUARDIAN_ROLE(), guardian)).to.equal(true);
      const block = result.record.contracts.AlloToken.blockNumber;
      expect(await ethers.provider.getCode(predicted, block)).not.to.equal("0x");
      expect(await ethers.provider.getCode(predicted, block - 1)).to.equal("0x");

      const written = JSON.parse(fs.readFileSync(path.join(dir, "hardhat.json"), "utf8"));
      expect(written).to.deep.equal({
        network: "hardhat",
        chainId: Number(chainId),
        contracts: { ...result.record.contracts },
      });
    });

    it("deploys the oracle after the token when its module exists, paying in this token", async function () {
      if (!fs.existsSync(path.join(__dirname, "../../../deploy/modules/AlloraOracle.ts"))) this.skip();
      const params = localParams();
      const result = await deployStack(hre, params, { deploymentsDir: dir });
      const { AlloToken: token, AlloraOracle: oracle } = result.record.contracts;
      expect(result.deployed).to.include.members(["AlloToken", "AlloraOracle"]);
      expect(oracle.blockNumber).to.be.greaterThan(token.blockNumber);
      const deployed = await ethers.getContractAt("AlloraOracle", oracle.address);
      expect(await deployed.paymentToken()).to.equal(token.address);
      const [setId, signers, threshold] = await deployed.attesterSet();
      expect(setId).to.equal(BigInt(params.attesters.setId));
      expect([...signers]).to.deep.equal(params.attesters.signers.map((a) => ethers.getAddress(a)));
      expect(threshold).to.equal(BigInt(params.attesters.threshold));
    });

    it("deploys the bridge when its module exists and registers it on the token with the asked limits", async function () {
      if (!fs.existsSync(path.join(__dirname, "../../../deploy/modules/AlloraBridge.ts"))) this.skip();
      const params = localParams();
      const result = await deployStack(hre, params, { deploymentsDir: dir });
      const bridge = result.record.contracts.AlloraBridge;
      expect(result.deployed).to.include("AlloraBridge");
      const token = await ethers.getContractAt("AlloToken", result.record.contracts.AlloToken.address);
      const asked = params.token.bridges.find((b) => b.bridge === "AlloraBridge")!;
      expect(await token.isBridge(bridge.address)).to.equal(true);
      expect(await token.mintingMaxLimitOf(bridge.address)).to.equal(asked.mintingLimit);
      expect(await token.burningMaxLimitOf(bridge.address)).to.equal(asked.burningLimit);
    });

    it("is idempotent: a second run deploys and sends nothing and rewrites the same bytes", async function () {
      const params = localParams();
      const first = await deployStack(hre, params, { deploymentsDir: dir });
      const bytes = fs.readFileSync(first.file, "utf8");
      const blockBefore = await ethers.provider.getBlockNumber();
      const second = await deployStack(hre, params, { deploymentsDir: dir });
      expect(second.deployed).to.deep.equal([]);
      expect(second.sent).to.deep.equal([]);
      expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
      expect(fs.readFileSync(second.file, "utf8")).to.equal(bytes);
    });

    it("sets bridge limits given by address, and changes only what differs", async function () {
      const [, , , bridgeA] = await ethers.getSigners();
      const defaults = localParams().token.bridges;
      const params = localParams({
        bridges: [...defaults, { bridge: bridgeA.address, mintingLimit: 10n ** 21n, burningLimit: 5n * 10n ** 20n }],
      });
      const first = await deployStack(hre, params, { deploymentsDir: dir });
      expect(first.sent.some((s) => s.includes("set limits of bridge"))).to.equal(true);
      const token = await ethers.getContractAt("AlloToken", first.record.contracts.AlloToken.address);
      expect(await token.mintingMaxLimitOf(bridgeA.address)).to.equal(10n ** 21n);
      expect(await token.burningMaxLimitOf(bridgeA.address)).to.equal(5n * 10n ** 20n);
      const changed = localParams({
        bridges: [...defaults, { bridge: bridgeA.address, mintingLimit: 2n * 10n ** 21n, burningLimit: 5n * 10n ** 20n }],
      });
      const second = await deployStack(hre, changed, { deploymentsDir: dir });
      expect(second.deployed).to.deep.equal([]);
      expect(second.sent).to.have.length(1);
      expect(await token.mintingMaxLimitOf(bridgeA.address)).to.equal(2n * 10n ** 21n);
    });

    it("redeploys when the chain restarted from genesis (stale record: no code at the address)", async function () {
      const params = localParams();
      const first = await deployStack(hre, params, { deploymentsDir: dir });
      await reset();
      const again = await deployStack(hre, params, { deploymentsDir: dir });
      expect(again.deployed).to.include("AlloToken");
      expect(again.record.contracts.AlloToken.address).to.equal(first.record.contracts.AlloToken.address);
      expect(await ethers.provider.getCode(again.record.contracts.AlloToken.address)).not.to.equal("0x");
    });

    it("another admin gives another address, and the wiring comes back as calls for that admin", async function () {
      const [deployer, , , , other] = await ethers.getSigners();
      // Token only: the bridge module sets its token limits itself, which needs the deployer to be the admin.
      const tokenOnly = { deploymentsDir: dir, modules: [] };
      const noBridges = { bridges: [] };
      const mine = await deployStack(hre, localParams(noBridges), tokenOnly);
      const theirs = await deployStack(hre, localParams({ ...noBridges, admin: other.address }), tokenOnly);
      expect(Object.keys(theirs.record.contracts)).to.deep.equal(["AlloToken"]);
      expect(theirs.record.contracts.AlloToken.address).not.to.equal(mine.record.contracts.AlloToken.address);
      expect(theirs.sent).to.deep.equal([]);
      expect(theirs.pendingAdminCalls).to.have.length(1);
      const call = theirs.pendingAdminCalls[0];
      // The admin can send exactly that call.
      await ethers.provider.send("hardhat_impersonateAccount", [other.address]);
      await (await ethers.getSigner(other.address)).sendTransaction({ to: call.to, data: call.data });
      const token = await ethers.getContractAt("AlloToken", call.to);
      expect(await token.hasRole(await token.GUARDIAN_ROLE(), localParams().token.guardians[0])).to.equal(true);
      expect(deployer.address).not.to.equal(other.address);
    });

    it("names an unknown bridge reference", async function () {
      const params = localParams({
        bridges: [...localParams().token.bridges, { bridge: "NoSuchContract", mintingLimit: 1n, burningLimit: 1n }],
      });
      expect(await rejection(deployStack(hre, params, { deploymentsDir: dir }))).to.match(
        /token\.bridges: "NoSuchContract" is neither an address nor a contract/,
      );
    });
  });

  describe("parameters", function () {
    const valid = {
      token: { admin: "deployer", bridges: [{ bridge: "AlloraBridge", mintingLimit: "1.5 ALLO", burningLimit: "7" }] },
      attesters: { setId: 1, signers: ["0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"], threshold: 1 },
    };

    it("parses amounts in ALLO or base units and fills defaults", function () {
      const p = parseParameters(valid, "test");
      expect(p.token.bridges[0].mintingLimit).to.equal(15n * 10n ** 17n);
      expect(p.token.bridges[0].burningLimit).to.equal(7n);
      expect(p.token.salt).to.equal(DEFAULT_TOKEN_SALT);
      expect(p.token.guardians).to.deep.equal([]);
    });

    it("names the file, the field and the problem", function () {
      const bad = {
        ...valid,
        token: { ...valid.token, admin: "0x1234", bridges: [{ bridge: "B", mintingLimit: "lots", burningLimit: "1" }] },
        attesters: { ...valid.attesters, threshold: 2 },
      };
      let message = "";
      try {
        parseParameters(bad, "deploy/parameters/x.json");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).to.match(/invalid deployment parameters in deploy\/parameters\/x\.json/);
      expect(message).to.match(/token\.admin: expected an 0x address or "deployer"/);
      expect(message).to.match(/token\.bridges\.0\.mintingLimit: "lots" is not an amount/);
      expect(message).to.match(/attesters: threshold is above the number of signers/);
    });

    it("asks for a parameters file for a real network without one", function () {
      expect(() => loadParameters("nosuchnet")).to.throw(/create deploy\/parameters\/nosuchnet\.json/);
    });
  });
});
