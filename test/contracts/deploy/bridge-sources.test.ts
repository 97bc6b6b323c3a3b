/**
 * deployStack registers each bridge's source bridges (deploy/bridge-sources.ts): the hub escrow of the
 * parameters, and every other EVM peer's bridge from its deployment record. Two in-process chains, the test
 * network (31337, as `ethereumLocal`) and a second Hardhat network (31338, as `bnbLocal`); then a transfer
 * sent by one deployed bridge is attested and minted by the other, under the ids the stack registered.
 */
import { expect } from "chai";
import hre from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HDNodeWallet, Mnemonic } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EVM_CHAINS, HUB_CHAINS } from "../../../lib/chains";
import { combineTransferSignatures, evmBridgeId, hubBridgeId, transferDigest } from "../../../lib/eip712/bridge";
import { loadParameters, parseParameters, type DeployParameters } from "../../../deploy/parameters";
import { deployStack, type StackResult } from "../../../deploy/stack";
import { runtimeEnvironmentFor } from "../../../scripts/lib/hardhat-env";
import { buildGenesis } from "../../../devnet/hub/genesis";
import { DEFAULT_CONFIG_PATH, loadConfigFile } from "../../../devnet/hub/config";
import { ChainState } from "../../../devnet/hub/chain/state";

const ONE = 10n ** 18n;
const A = EVM_CHAINS.ethereumLocal;
const B = EVM_CHAINS.bnbLocal;
const HUB = HUB_CHAINS["allora-devnet"].bridgeChainId;
const MODULES = ["AlloraOracle", "AlloraBridge"];

function inProcessChain(chainId: number): HardhatRuntimeEnvironment {
  return runtimeEnvironmentFor(hre, "hardhat", {
    ...hre.config,
    networks: { ...hre.config.networks, hardhat: { ...hre.config.networks.hardhat, chainId } },
  });
}

/** deploy/parameters/local.json without the Axelar adapter. */
function localParams(): DeployParameters {
  const { params } = loadParameters("hardhat");
  return { ...params, axelar: undefined };
}

/** The wallets of local.json's attesters: Hardhat's default accounts (the public test mnemonic). */
function localAttesters(signers: readonly string[]): HDNodeWallet[] {
  const mnemonic = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
  const wallets = Array.from({ length: 20 }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`));
  return signers.map((s) => wallets.find((w) => w.address.toLowerCase() === s.toLowerCase())!);
}

describe("deployStack: the bridge's source bridges", function () {
  let dir: string;
  let chainB: HardhatRuntimeEnvironment;
  const runA = (p = localParams()) =>
    deployStack(hre, p, { network: "ethereumLocal", deploymentsDir: dir, modules: MODULES });
  const runB = (p = localParams()) =>
    deployStack(chainB, p, { network: "bnbLocal", deploymentsDir: dir, modules: MODULES });
  const bridgeOn = (env: HardhatRuntimeEnvironment, r: StackResult) =>
    env.ethers.getContractAt("AlloraBridge", r.record.contracts.AlloraBridge.address);

  beforeEach(async function () {
    await reset();
    chainB = inProcessChain(B.chainId);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-bridge-sources-"));
  });

  after(async function () {
    await reset();
  });

  it("registers the hub escrow at once, each peer's bridge once its record exists; a further run sends nothing", async function () {
    const p = localParams();
    const a1 = await runA(p);
    expect(a1.missingBridgeSources).to.deep.equal(["bnbLocal", "baseLocal"]);
    const bridgeA = await bridgeOn(hre, a1);
    expect((await bridgeA.remoteChain(HUB)).sourceBridge).to.equal(hubBridgeId(p.bridge!.hubEscrow));
    expect((await bridgeA.remoteChain(BigInt(B.chainId))).sourceBridge).to.equal(hre.ethers.ZeroHash);

    const b1 = await runB(p);
    expect(b1.missingBridgeSources).to.deep.equal(["baseLocal"]);
    const bridgeB = await bridgeOn(chainB, b1);
    expect((await bridgeB.remoteChain(BigInt(A.chainId))).sourceBridge).to.equal(
      evmBridgeId(a1.record.contracts.AlloraBridge.address),
    );

    const a2 = await runA(p);
    expect(a2.sent).to.have.length(1);
    expect(a2.sent[0]).to.match(/accept transfers from bnbLocal \(chain 31338\) sent by source bridge 0x0{24}/);
    expect((await bridgeA.remoteChain(BigInt(B.chainId))).sourceBridge).to.equal(
      evmBridgeId(b1.record.contracts.AlloraBridge.address),
    );
    expect((await runA(p)).sent).to.deep.equal([]);

    // A transfer from B's deployed bridge mints on A's under the registered id, with the id B announced.
    const [deployer, alice] = await chainB.ethers.getSigners();
    const tokenB = await chainB.ethers.getContractAt("AlloToken", b1.record.contracts.AlloToken.address, deployer);
    await tokenB.setBridgeLimits(deployer.address, 100n * ONE, 100n * ONE);
    await tokenB.crosschainMint(alice.address, 10n * ONE);
    const receipt = await (await bridgeB.connect(alice).sendToChain(BigInt(A.chainId), alice.address, 4n * ONE)).wait();
    const sent = receipt!.logs.map((l) => bridgeB.interface.parseLog(l)).find((l) => l?.name === "TransferSent")!;
    const transfer = {
      setId: BigInt(p.attesters.setId),
      sourceChain: BigInt(B.chainId),
      sourceBridge: await bridgeB.bridgeId(),
      sequence: sent.args.sequence as bigint,
      recipient: alice.address,
      amount: 4n * ONE,
    };
    const digest = transferDigest({ chainId: BigInt(A.chainId), verifyingContract: await bridgeA.getAddress() }, transfer);
    const signatures = combineTransferSignatures(
      digest,
      localAttesters(p.attesters.signers).map((w) => w.signingKey.sign(digest).serialized),
      { threshold: p.attesters.threshold },
    );
    await expect(
      bridgeA.deliver(transfer.sourceChain, transfer.sourceBridge, transfer.sequence, alice.address, 4n * ONE, signatures),
    )
      .to.emit(bridgeA, "TransferDelivered")
      .withArgs(sent.args.transferId, transfer.sourceChain, transfer.sequence, alice.address, 4n * ONE);
  });

  it("hands the registration to the admin when the deployer does not hold the bridge's admin role", async function () {
    const a1 = await runA();
    const bridgeA = await bridgeOn(hre, a1);
    const [deployer, next] = await hre.ethers.getSigners();
    // The admin moves to another account (two steps, after the delay); the deployer keeps deploying.
    await bridgeA.connect(deployer).beginDefaultAdminTransfer(next.address);
    const [, schedule] = await bridgeA.pendingDefaultAdmin();
    await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(schedule) + 1]);
    await bridgeA.connect(next).acceptDefaultAdminTransfer();
    await runB();
    const a2 = await runA();
    expect(a2.sent.filter((s) => s.startsWith("AlloraBridge"))).to.deep.equal([]);
    const pending = a2.pendingAdminCalls.filter((c) => c.description.startsWith("AlloraBridge"));
    expect(pending).to.have.length(1);
    await next.sendTransaction({ to: pending[0].to, data: pending[0].data });
    expect((await bridgeA.remoteChain(BigInt(B.chainId))).sourceBridge).to.not.equal(hre.ethers.ZeroHash);
  });

  it("local.json's hub escrow is the devnet's bridge-escrow multisig, derived as the hub's genesis does", async function () {
    const accounts = await buildGenesis(loadConfigFile(DEFAULT_CONFIG_PATH), new ChainState());
    const escrow = accounts.find((a) => a.name === "bridge-escrow");
    expect(escrow, "devnet/hub.config.json has a bridge-escrow account").to.not.equal(undefined);
    expect(localParams().bridge!.hubEscrow).to.equal(escrow!.address);
  });

  it("refuses a bridge section without a usable hub escrow or with a zero limit window, naming the field", function () {
    const { params: local } = loadParameters("hardhat");
    const raw = JSON.parse(JSON.stringify({ ...local, token: { ...local.token, bridges: [] } }, (_k, v) =>
      typeof v === "bigint" ? v.toString() : v,
    ));
    const attempt = (bridge: Record<string, unknown>) => () =>
      parseParameters({ ...raw, bridge: { ...raw.bridge, ...bridge } }, "deploy/parameters/x.json");
    expect(attempt({ hubEscrow: undefined })).to.throw(/bridge\.hubEscrow: required: the hub escrow account/);
    expect(attempt({ hubEscrow: "allo1nope" })).to.throw(/bridge\.hubEscrow: expected a bech32 hub account with 20 address bytes/);
    expect(attempt({ limitWindow: 0 })).to.throw(/bridge\.limitWindow: must be above zero/);
  });
});
