/**
 * Local chains under chain ids other than the registry's (DEVNET_<CHAIN>_CHAIN_ID, as the e2e tests run them):
 * the deploy stack enables and registers each peer under the id it actually has (deploy/bridge-sources.ts
 * peerChainIds, fed by the Hardhat network config), so an EVM -> EVM transfer between two such chains is sent
 * (not `DestinationNotEnabled`) and delivered (not `UnknownSourceBridge`).
 */
import { expect } from "chai";
import hre from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HDNodeWallet, Mnemonic } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EVM_CHAINS } from "../../../lib/chains";
import { combineTransferSignatures, evmBridgeId, transferDigest } from "../../../lib/eip712/bridge";
import { peerChainIds, resolveBridgeSources } from "../../../deploy/bridge-sources";
import { loadParameters, type DeployParameters } from "../../../deploy/parameters";
import { deployStack } from "../../../deploy/stack";
import { runtimeEnvironmentFor } from "../../../scripts/lib/hardhat-env";

const ONE = 10n ** 18n;
const IDS = { ethereumLocal: 41337, bnbLocal: 41338 } as const;

function localParams(): DeployParameters {
  const { params } = loadParameters("hardhat");
  return { ...params, axelar: undefined };
}
const ESCROW = localParams().bridge!.hubEscrow;

/** An in-process chain with chain id `chainId`, whose Hardhat config runs ethereumLocal and bnbLocal under IDS. */
function customChain(chainId: number): HardhatRuntimeEnvironment {
  const n = hre.config.networks;
  return runtimeEnvironmentFor(hre, "hardhat", {
    ...hre.config,
    networks: {
      ...n,
      hardhat: { ...n.hardhat, chainId },
      ethereumLocal: { ...n.ethereumLocal, chainId: IDS.ethereumLocal },
      bnbLocal: { ...n.bnbLocal, chainId: IDS.bnbLocal },
    },
  });
}

describe("deploy: peers wired by the chain ids they actually have", function () {
  describe("the decision (peerChainIds, resolveBridgeSources)", function () {
    it("a local peer takes its Hardhat network's chain id, else the registry's; a production peer always the registry's", function () {
      expect(peerChainIds("allora-devnet", { ethereumLocal: { chainId: 41337 }, bnbLocal: {}, baseLocal: undefined })).to.deep.equal({
        ethereumLocal: 41337n,
        bnbLocal: 31338n,
        baseLocal: 31339n,
      });
      expect(peerChainIds("allora-mainnet", { ethereum: { chainId: 5 }, base: { chainId: 31339 } })).to.deep.equal({
        ethereum: BigInt(EVM_CHAINS.ethereum.chainId),
        bnb: BigInt(EVM_CHAINS.bnb.chainId),
        base: BigInt(EVM_CHAINS.base.chainId),
      });
    });

    it("registers a local peer's bridge under its actual id; a record of another id is an earlier run's (missing), a real chain's is an error", function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-peer-ids-"));
      try {
        const bridge = "0x" + "42".repeat(20);
        fs.writeFileSync(path.join(dir, "bnbLocal.json"), JSON.stringify({ network: "bnbLocal", chainId: 41338, contracts: { AlloraBridge: { address: bridge, blockNumber: 3 } } }));
        const ids = peerChainIds("allora-devnet", { bnbLocal: { chainId: 41338 } });
        const custom = resolveBridgeSources("ethereumLocal", "allora-devnet", ESCROW, dir, ids);
        expect(custom.sources.find((s) => s.name === "bnbLocal")).to.deep.include({ chainId: 41338n, sourceBridge: evmBridgeId(bridge) });
        expect(custom.missing).to.deep.equal(["baseLocal"]);
        const registry = resolveBridgeSources("ethereumLocal", "allora-devnet", ESCROW, dir);
        expect(registry.missing, "the 41338 record is not the bridge of a bnbLocal at 31338").to.deep.equal(["bnbLocal", "baseLocal"]);
        fs.writeFileSync(path.join(dir, "bsc.json"), JSON.stringify({ network: "bsc", chainId: 97, contracts: { AlloraBridge: { address: bridge, blockNumber: 3 } } }));
        expect(() => resolveBridgeSources("ethereum", "allora-mainnet", ESCROW, dir)).to.throw(/bsc\.json is for chain id 97, not bnb \(56\): fix the record/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("two in-process chains at 41337 and 41338", function () {
    let dir: string;
    before(async function () {
      await reset();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-peer-ids-stack-"));
    });
    after(async function () {
      await reset();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("deploys and wires both; a transfer bnbLocal -> ethereumLocal is sent and delivered under the custom ids", async function () {
      const [envA, envB] = [customChain(IDS.ethereumLocal), customChain(IDS.bnbLocal)];
      const p = localParams();
      const run = (env: HardhatRuntimeEnvironment, network: string) => deployStack(env, p, { network, deploymentsDir: dir, modules: ["AlloraOracle", "AlloraBridge"] });
      await run(envA, "ethereumLocal");
      const b = await run(envB, "bnbLocal");
      const a = await run(envA, "ethereumLocal"); // second pass: B's bridge is known now
      expect(a.sent.join("\n")).to.include(`accept transfers from bnbLocal (chain ${IDS.bnbLocal})`);
      const bridgeA = await envA.ethers.getContractAt("AlloraBridge", a.record.contracts.AlloraBridge.address);
      const bridgeB = await envB.ethers.getContractAt("AlloraBridge", b.record.contracts.AlloraBridge.address);

      const [deployer, alice] = await envB.ethers.getSigners();
      const tokenB = await envB.ethers.getContractAt("AlloToken", b.record.contracts.AlloToken.address, deployer);
      await tokenB.setBridgeLimits(deployer.address, 100n * ONE, 100n * ONE);
      await tokenB.crosschainMint(alice.address, 10n * ONE);
      // With the registry's ids wired, this reverted with DestinationNotEnabled(41337).
      const receipt = await (await bridgeB.connect(alice).sendToChain(BigInt(IDS.ethereumLocal), alice.address, 4n * ONE)).wait();
      const sent = receipt!.logs.map((l) => bridgeB.interface.parseLog(l)).find((l) => l?.name === "TransferSent")!;
      const transfer = {
        setId: BigInt(p.attesters.setId),
        sourceChain: BigInt(IDS.bnbLocal),
        sourceBridge: await bridgeB.bridgeId(),
        sequence: sent.args.sequence as bigint,
        recipient: alice.address,
        amount: 4n * ONE,
      };
      const digest = transferDigest({ chainId: BigInt(IDS.ethereumLocal), verifyingContract: await bridgeA.getAddress() }, transfer);
      const mnemonic = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
      const wallets = Array.from({ length: 20 }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`));
      const signers = p.attesters.signers.map((s) => wallets.find((w) => w.address.toLowerCase() === s.toLowerCase())!);
      const signatures = combineTransferSignatures(digest, signers.map((w) => w.signingKey.sign(digest).serialized), { threshold: p.attesters.threshold });
      await expect(bridgeA.deliver(transfer.sourceChain, transfer.sourceBridge, transfer.sequence, alice.address, 4n * ONE, signatures))
        .to.emit(bridgeA, "TransferDelivered")
        .withArgs(sent.args.transferId, transfer.sourceChain, transfer.sequence, alice.address, 4n * ONE);
      // And the registry's ids are not enabled on these chains.
      expect((await bridgeB.remoteChain(BigInt(EVM_CHAINS.ethereumLocal.chainId))).sourceBridge).to.equal(envB.ethers.ZeroHash);
    });
  });
});
