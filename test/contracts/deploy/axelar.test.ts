/**
 * deployStack with an `axelar` section, on two in-process chains: the test network (chain id 31337, deployed
 * as `ethereumLocal`) and a second Hardhat network built in this process (31338, as `bnbLocal`). Each gets
 * Axelar's own gateway and gas service from npm (`"gateway": "local"`, deploy/local-axelar.ts) and the
 * adapter; the remotes come from each other's deployment records. A transfer then goes through the deployed,
 * wired adapters: sent on one chain, approved on the other chain's local gateway by the DEVNET operator set,
 * executed and minted there.
 */
import { expect } from "chai";
import hre from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { AbiCoder, Contract, ethers } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EVM_CHAINS } from "../../../lib/chains";
import { AXELAR_PUBLISHED, checkAxelarParameters } from "../../../deploy/axelar";
import {
  approveOnLocalGateway,
  axelarArtifact,
  commandIdOf,
  contractCallOf,
  localAxelarAddresses,
} from "../../../deploy/local-axelar";
import { loadParameters, parseParameters, PARAMETERS_DIR, type DeployParameters } from "../../../deploy/parameters";
import { deployStack, type StackResult } from "../../../deploy/stack";
import { runtimeEnvironmentFor } from "../../../scripts/lib/hardhat-env";
import { rejection } from "../rejection";

const ONE = 10n ** 18n;
const A = EVM_CHAINS.ethereumLocal; // the test network, chain id 31337
const B = EVM_CHAINS.bnbLocal; // a second in-process network, chain id 31338

/** Another in-process Hardhat network (its own chain, fresh state) with chain id `chainId`. */
function inProcessChain(chainId: number): HardhatRuntimeEnvironment {
  return runtimeEnvironmentFor(hre, "hardhat", {
    ...hre.config,
    networks: { ...hre.config.networks, hardhat: { ...hre.config.networks.hardhat, chainId } },
  });
}

/** deploy/parameters/local.json with `axelar` overridden (`undefined` removes the section). */
function params(axelar?: Partial<NonNullable<DeployParameters["axelar"]>> | null, token?: Partial<DeployParameters["token"]>): DeployParameters {
  const { params: local } = loadParameters("hardhat");
  return {
    ...local,
    token: { ...local.token, ...token },
    axelar: axelar === null ? undefined : { ...local.axelar!, ...axelar },
  };
}

async function adapterOn(env: HardhatRuntimeEnvironment, result: StackResult) {
  return env.ethers.getContractAt("AlloraAxelarAdapter", result.record.contracts.AlloraAxelarAdapter.address);
}

describe("deployStack: the Axelar adapter on two local chains", function () {
  let dir: string;
  let chainB: HardhatRuntimeEnvironment;
  const runA = (p = params(), extra: { modules?: string[]; log?: (l: string) => void } = {}) =>
    deployStack(hre, p, { network: "ethereumLocal", deploymentsDir: dir, ...extra });
  const runB = (p = params(), extra: { modules?: string[] } = {}) =>
    deployStack(chainB, p, { network: "bnbLocal", deploymentsDir: dir, ...extra });

  beforeEach(async function () {
    await reset();
    chainB = inProcessChain(B.chainId);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-axelar-deploy-"));
  });

  after(async function () {
    await reset();
  });

  it("deploys local Axelar and the adapter on both, registers them as each other's remotes with their token limits; a further run sends nothing", async function () {
    expect(Number((await hre.ethers.provider.getNetwork()).chainId)).to.equal(A.chainId);
    expect(Number((await chainB.ethers.provider.getNetwork()).chainId)).to.equal(B.chainId);
    const p = params();

    // First A: B has no record yet, so its adapter is not known.
    const a1 = await runA(p);
    expect(a1.deployed).to.include.members(["AxelarGateway", "AxelarGasService", "AlloraAxelarAdapter"]);
    expect(a1.missingRemotes).to.deep.equal(["bnbLocal", "baseLocal"]);
    // Then B: it reads A's record and registers A.
    const b1 = await runB(p);
    expect(b1.missingRemotes).to.deep.equal(["baseLocal"]);
    expect(b1.sent.filter((s) => s.includes("register the adapter"))).to.have.length(1);
    // A again: now B's record exists; only that registration is sent.
    const a2 = await runA(p);
    expect(a2.deployed).to.deep.equal([]);
    // (and B's bridge as a source bridge, deploy/bridge-sources.ts)
    const adapterCalls = a2.sent.filter((s) => s.startsWith("AlloraAxelarAdapter"));
    expect(adapterCalls).to.have.length(1);
    expect(adapterCalls[0]).to.match(/register the adapter of bnbLocal \(chain 31338, Axelar "binance"\)/);
    expect(a2.sent.filter((s) => !s.startsWith("AlloraAxelarAdapter"))).to.have.length(1);

    // Same constructor arguments (local Axelar lands at the same addresses on fresh chains) -> same address.
    const adapterA = await adapterOn(hre, a2);
    const adapterB = await adapterOn(chainB, b1);
    const addrA = await adapterA.getAddress();
    const addrB = await adapterB.getAddress();
    expect(addrA).to.equal(addrB);
    expect(a2.record.contracts.AxelarGateway.address).to.equal(localAxelarAddresses().gateway);
    expect(b1.record.contracts.AxelarGateway.address).to.equal(localAxelarAddresses().gateway);
    expect(await hre.ethers.provider.getCode(addrA)).not.to.equal("0x");
    expect(await chainB.ethers.provider.getCode(addrB)).not.to.equal("0x");

    const remoteOfA = await adapterA.remote(B.chainId);
    expect([remoteOfA.axelarChain, remoteOfA.adapter]).to.deep.equal([B.axelarName, addrB]);
    expect(await adapterA.chainOfAxelarName(B.axelarName)).to.equal(BigInt(B.chainId));
    const remoteOfB = await adapterB.remote(A.chainId);
    expect([remoteOfB.axelarChain, remoteOfB.adapter]).to.deep.equal([A.axelarName, addrA]);
    expect(await adapterB.chainOfAxelarName(A.axelarName)).to.equal(BigInt(A.chainId));
    expect((await adapterA.remote(EVM_CHAINS.baseLocal.chainId)).adapter).to.equal(ethers.ZeroAddress);
    expect(await adapterA.gateway()).to.equal(localAxelarAddresses().gateway);
    expect(await adapterA.gasService()).to.equal(localAxelarAddresses().gasService);

    for (const [env, result, adapter] of [
      [hre, a2, addrA],
      [chainB, b1, addrB],
    ] as const) {
      const token = await env.ethers.getContractAt("AlloToken", result.record.contracts.AlloToken.address);
      expect(await token.isBridge(adapter)).to.equal(true);
      expect(await token.mintingMaxLimitOf(adapter)).to.equal(p.axelar!.mintingLimit);
      expect(await token.burningMaxLimitOf(adapter)).to.equal(p.axelar!.burningLimit);
      expect(result.record.contracts.AlloraAxelarAdapter.blockNumber).to.be.greaterThan(0);
    }

    // Idempotence: nothing deployed, nothing sent, no block mined, the same record bytes.
    const blocks = [await hre.ethers.provider.getBlockNumber(), await chainB.ethers.provider.getBlockNumber()];
    const bytes = [fs.readFileSync(a2.file, "utf8"), fs.readFileSync(b1.file, "utf8")];
    const a3 = await runA(p);
    const b2 = await runB(p);
    for (const r of [a3, b2]) {
      expect(r.deployed).to.deep.equal([]);
      expect(r.sent).to.deep.equal([]);
      expect(r.pendingAdminCalls).to.deep.equal([]);
    }
    expect([await hre.ethers.provider.getBlockNumber(), await chainB.ethers.provider.getBlockNumber()]).to.deep.equal(blocks);
    expect([fs.readFileSync(a3.file, "utf8"), fs.readFileSync(b2.file, "utf8")]).to.deep.equal(bytes);

    // A changed limit is one setBridgeLimits; a remote set to "none" is one setRemote(…, 0).
    const changed = params({ mintingLimit: 7n * ONE, remotes: { bnbLocal: "none" } });
    const a4 = await runA(changed);
    expect(a4.sent).to.have.length(2);
    expect(a4.sent.join("\n")).to.match(/set limits of bridge AlloraAxelarAdapter/).and.to.match(/remove the adapter of bnbLocal/);
    expect((await adapterA.remote(B.chainId)).adapter).to.equal(ethers.ZeroAddress);
    expect(await adapterA.chainOfAxelarName(B.axelarName)).to.equal(0n);
    const tokenA = await hre.ethers.getContractAt("AlloToken", a4.record.contracts.AlloToken.address);
    expect(await tokenA.mintingMaxLimitOf(addrA)).to.equal(7n * ONE);
    expect((await runA(changed)).sent).to.deep.equal([]);
  });

  it("carries a transfer: sent on one chain, approved on the other's local gateway, executed and minted there", async function () {
    const p = params();
    const a1 = await runA(p, { modules: ["AlloraAxelarAdapter"] });
    const b1 = await runB(p, { modules: ["AlloraAxelarAdapter"] });
    await runA(p, { modules: ["AlloraAxelarAdapter"] });
    const [admin, , alice] = await hre.ethers.getSigners();
    const [relayerB, , , bob] = await chainB.ethers.getSigners();
    const adapterA = await adapterOn(hre, a1);
    const adapterB = (await adapterOn(chainB, b1)).connect(relayerB);
    const tokenA = await hre.ethers.getContractAt("AlloToken", a1.record.contracts.AlloToken.address, admin);
    const tokenB = await chainB.ethers.getContractAt("AlloToken", b1.record.contracts.AlloToken.address);
    // Fund alice on A through a second bridge (the token admin registers itself).
    await (await tokenA.setBridgeLimits(admin.address, 100n * ONE, 100n * ONE)).wait();
    await (await tokenA.crosschainMint(alice.address, 100n * ONE)).wait();

    const amount = 12n * ONE;
    const tx = await adapterA.connect(alice).send(B.chainId, bob.address, amount, { value: 10n ** 15n });
    const receipt = (await tx.wait())!;
    const gatewayA = new Contract(a1.record.contracts.AxelarGateway.address, axelarArtifact("AxelarGateway").abi, hre.ethers.provider);
    const call = contractCallOf(receipt, gatewayA, A.axelarName);
    expect(call.destinationChain).to.equal(B.axelarName);
    expect(ethers.getAddress(call.destinationAddress)).to.equal(await adapterB.getAddress());
    expect(call.payload).to.equal(
      AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256"], [alice.address, bob.address, amount]),
    );
    expect(await tokenA.balanceOf(alice.address)).to.equal(100n * ONE - amount);

    const message = { ...call.message, contractAddress: await adapterB.getAddress() };
    const commandId = commandIdOf(message);
    await expect(
      adapterB.execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
    ).to.be.revertedWithCustomError(adapterB, "NotApprovedByGateway");
    await approveOnLocalGateway(relayerB, b1.record.contracts.AxelarGateway.address, [message]);
    await expect(adapterB.execute(commandId, message.sourceChain, message.sourceAddress, call.payload))
      .to.emit(adapterB, "AxelarTransferReceived")
      .withArgs(commandId, BigInt(A.chainId), bob.address, alice.address, amount);
    expect(await tokenB.balanceOf(bob.address)).to.equal(amount);
    expect(await tokenB.totalSupply()).to.equal(amount);
    expect(await adapterB.netBridgedIn(A.chainId)).to.equal(amount);
    expect(await adapterA.netBridgedIn(B.chainId)).to.equal(-amount);
    // The approval was consumed: a replay is refused.
    await expect(
      adapterB.execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
    ).to.be.revertedWithCustomError(adapterB, "NotApprovedByGateway");
  });

  it("returns the wiring as calls for the admins when the deployer holds neither admin role", async function () {
    const [deployer, , , , other] = await hre.ethers.getSigners();
    const peer = ethers.Wallet.createRandom().address;
    const p = params({ admin: other.address, remotes: { bnbLocal: peer } }, { admin: other.address, guardians: [], bridges: [] });
    const mine = await runA(params(), { modules: ["AlloraAxelarAdapter"] });
    const first = await runA(p, { modules: ["AlloraAxelarAdapter"] });
    // The admins (and the token, whose admin changed too) are constructor arguments: another address.
    expect(first.record.contracts.AlloraAxelarAdapter.address).not.to.equal(mine.record.contracts.AlloraAxelarAdapter.address);
    expect(first.sent).to.deep.equal([]);
    expect(first.pendingAdminCalls.map((c) => c.description)).to.have.length(2);
    expect(first.pendingAdminCalls[0].description).to.match(/AlloToken: set limits of bridge AlloraAxelarAdapter/);
    expect(first.pendingAdminCalls[1].description).to.match(/AlloraAxelarAdapter: register the adapter of bnbLocal .* at /);
    expect(first.pendingAdminCalls[1].to).to.equal(first.record.contracts.AlloraAxelarAdapter.address);
    // Those exact calls, sent by the admin, complete the wiring.
    await hre.network.provider.send("hardhat_impersonateAccount", [other.address]);
    const admin = await hre.ethers.getSigner(other.address);
    for (const call of first.pendingAdminCalls) await (await admin.sendTransaction({ to: call.to, data: call.data })).wait();
    const again = await runA(p, { modules: ["AlloraAxelarAdapter"] });
    expect(again.pendingAdminCalls).to.deep.equal([]);
    expect(again.sent).to.deep.equal([]);
    const adapter = await adapterOn(hre, again);
    expect((await adapter.remote(B.chainId)).adapter).to.equal(peer);
    expect(deployer.address).not.to.equal(other.address);
  });

  it("without an axelar section deploys no adapter and says so", async function () {
    const lines: string[] = [];
    const result = await runA(params(null), { log: (l) => lines.push(l) });
    expect(Object.keys(result.record.contracts)).not.to.include("AlloraAxelarAdapter");
    expect(result.missingRemotes).to.deep.equal([]);
    expect(lines).to.include("AlloraAxelarAdapter: the parameters have no axelar section, not deployed");
  });

  describe("bad parameters fail naming the field and the fix", function () {
    const base = JSON.parse(fs.readFileSync(path.join(PARAMETERS_DIR, "local.json"), "utf8")) as Record<string, unknown>;
    const withAxelar = (axelar: Record<string, unknown>) => ({ ...base, axelar: { ...(base.axelar as object), ...axelar } });
    const parseError = (raw: unknown): string => {
      try {
        parseParameters(raw, "deploy/parameters/x.json");
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("expected the parameters to be refused");
    };

    it("in the file: missing or malformed fields, unknown chains, half-local, the adapter in token.bridges", function () {
      const { gateway: _g, ...noGateway } = base.axelar as Record<string, unknown>;
      expect(parseError({ ...base, axelar: noGateway })).to.match(
        /axelar\.gateway: required: the address of Axelar's AxelarGateway on this chain .*"local" on a local network/,
      );
      const message = parseError(
        withAxelar({ gasService: "0x1234", mintingLimit: "lots", remotes: { polygon: "record", bnbLocal: "soon" }, gatway: "x" }),
      );
      expect(message).to.match(/invalid deployment parameters in deploy\/parameters\/x\.json/);
      expect(message).to.match(/axelar\.gasService: expected the address of Axelar's AxelarGasService/);
      expect(message).to.match(/axelar\.mintingLimit: "lots" is not an amount/);
      expect(message).to.match(/axelar\.remotes\.polygon: unknown chain "polygon": use a chain name of lib\/chains\.ts/);
      expect(message).to.match(/axelar\.remotes\.bnbLocal: expected an 0x address, "record" .* or "none"/);
      expect(message).to.match(/axelar: unknown field\(s\) gatway/);
      expect(parseError(withAxelar({ gasService: AXELAR_PUBLISHED.base!.gasService }))).to.match(
        /axelar\.gasService: "local" deploys the local gateway and gas service together/,
      );
      const token = base.token as Record<string, unknown>;
      expect(
        parseError({
          ...base,
          token: { ...token, bridges: [{ bridge: "AlloraAxelarAdapter", mintingLimit: "1", burningLimit: "1" }] },
        }),
      ).to.match(/token\.bridges\.0\.bridge: the Axelar adapter's limits are axelar\.mintingLimit and axelar\.burningLimit/);
    });

    it("against the chain: local on a real network, unpublished Axelar addresses, remotes that are not peers", function () {
      const local = params().axelar!;
      expect(() => checkAxelarParameters("base", "base", local)).to.throw(
        /axelar\.gateway: "local" .* only for local networks; on base write Axelar's gateway address \(0xe432150cce91c13a887f7D836923d5597adD8E31\)/,
      );
      const copiedFromEthereum = { ...local, ...AXELAR_PUBLISHED.ethereum! };
      expect(() => checkAxelarParameters("base", "base", copiedFromEthereum)).to.throw(
        /axelar\.gateway: 0x4F4495243837681061C4743b74B3eEdf548D56A5 is not Axelar's published AxelarGateway on base \(0xe432150cce91c13a887f7D836923d5597adD8E31\)/,
      );
      expect(() => checkAxelarParameters("base", "base", { ...local, ...AXELAR_PUBLISHED.base! })).not.to.throw();
      expect(() =>
        checkAxelarParameters("ethereumLocal", "ethereumLocal", { ...local, remotes: { ethereumLocal: "record", base: "record" } }),
      ).to.throw(/axelar\.remotes\.ethereumLocal: that is this chain[\s\S]*axelar\.remotes\.base: not a peer of ethereumLocal/);
    });

    it("on the chain, before anything is sent: local on a network that is not local, a gateway without code", async function () {
      const before = await hre.ethers.provider.getBlockNumber();
      expect(await rejection(deployStack(hre, params(), { network: "base", deploymentsDir: dir }))).to.match(
        /axelar\.gateway: "local" .* only for local networks/,
      );
      const eoa = ethers.Wallet.createRandom().address;
      expect(await rejection(runA(params({ gateway: eoa, gasService: eoa })))).to.match(
        new RegExp(`axelar\\.gateway: no contract at ${eoa} on chain 31337`),
      );
      expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
    });
  });
});
