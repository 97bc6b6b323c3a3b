/**
 * Gas of the bridge's hot paths, each measured as its own transaction in steady state:
 * - bridge.out: sendToHub (bech32 recipient checked on-chain) by a holder who has bridged before;
 * - bridge.out.evm: sendToChain to another EVM chain;
 * - bridge.in.3of5: deliver with 3 of 5 signatures to a recipient who already holds ALLO, into a replay
 *   bitmap word and limit bucket already written;
 * - bridge.in.3of5.newHolder: the same to a recipient with no ALLO yet (a fresh balance slot);
 * - bridge.in.replay: a duplicate delivery (the at-least-once relayer's second try);
 * - bridge.hubAddress.check: the bech32 check alone, as a call (execution gas of the library);
 * - bridge.axelar.send / bridge.axelar.execute: the Axelar adapter's send (burn, gas service, gateway call) and
 *   execute (gateway validation, mint to an existing holder), against Axelar's own published contracts
 *   (the consensus AxelarGateway that Ethereum, BNB Smart Chain and Base use).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Wallet } from "ethers";
import { toBech32 } from "@cosmjs/encoding";
import type { GasSuite } from "./types";
import { HUB_CHAINS } from "../../lib/chains";
import { combineTransferSignatures, hubBridgeId, transferDigest } from "../../lib/eip712/bridge";
import { commandIdOf, contractCallOf, deployLocalAxelar } from "../../test/contracts/bridge/axelar";

const ONE = 10n ** 18n;
const CAP = 10n ** 9n * ONE;
/** The bridge's per-chain capacities fit 88 bits (309 million ALLO per window). */
const CHAIN_CAP = 10n ** 8n * ONE;
const HUB = HUB_CHAINS["allora-devnet"].bridgeChainId;
const REMOTE_EVM = 8453n;

const suite: GasSuite = async (hre: HardhatRuntimeEnvironment) => {
  const { ethers } = hre;
  const [admin, holder, relayer, existing] = await ethers.getSigners();
  const attesters = Array.from({ length: 5 }, () => Wallet.createRandom()).sort((a, b) =>
    BigInt(a.address) < BigInt(b.address) ? -1 : 1,
  );
  const token = await ethers.deployContract("AlloToken", [admin.address]);
  const bridge = await ethers.deployContract("AlloraBridge", [
    await token.getAddress(),
    HUB,
    86_400n,
    admin.address,
    admin.address,
    1n,
    attesters.map((a) => a.address),
    3,
  ]);
  const bridgeAddress = await bridge.getAddress();
  await token.setBridgeLimits(bridgeAddress, CAP, CAP);
  // The hub's source bridge: an escrow account's 20 address bytes, as on a real hub (calldata costs per byte).
  const hubBridge = hubBridgeId(toBech32("allo", ethers.getBytes(Wallet.createRandom().address)));
  const src = (chain: bigint): string =>
    chain === HUB ? hubBridge : ethers.zeroPadValue(Wallet.createRandom().address, 32);
  for (const chain of [HUB, REMOTE_EVM]) {
    await bridge.setRemoteChainEnabled(chain, true, true);
    await bridge.setRemoteChainLimits(chain, CHAIN_CAP, CHAIN_CAP);
    await bridge.setRemoteSourceBridge(chain, src(chain));
  }
  await token.setBridgeLimits(admin.address, CAP, CAP); // the admin mints the holders' starting balances
  await token.crosschainMint(holder.address, 1_000_000n * ONE);
  await token.crosschainMint(existing.address, ONE);
  const chainId = (await ethers.provider.getNetwork()).chainId;

  const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> => {
    const receipt = await (await tx).wait();
    if (!receipt) throw new Error("no receipt");
    return receipt.gasUsed;
  };
  let sequence = 0n;
  const deliver = async (recipient: string) => {
    sequence += 1n;
    const amount = 3n * ONE;
    const digest = transferDigest(
      { chainId, verifyingContract: bridgeAddress },
      { setId: 1n, sourceChain: HUB, sourceBridge: hubBridge, sequence, recipient, amount },
    );
    const sigs = combineTransferSignatures(
      digest,
      attesters.slice(0, 3).map((a) => a.signingKey.sign(digest).serialized),
    );
    return {
      gas: await gasOf(bridge.connect(relayer).deliver(HUB, hubBridge, sequence, recipient, amount, sigs)),
      sigs,
      amount,
    };
  };

  const hubRecipient = toBech32("allo", ethers.getBytes(holder.address));
  await bridge.connect(holder).sendToHub(hubRecipient, ONE); // first write of the sequence and bucket
  const out = await gasOf(bridge.connect(holder).sendToHub(hubRecipient, ONE));
  await bridge.connect(holder).sendToChain(REMOTE_EVM, holder.address, ONE);
  const outEvm = await gasOf(bridge.connect(holder).sendToChain(REMOTE_EVM, holder.address, ONE));

  await deliver(existing.address); // first write of the bitmap word and inbound bucket
  const inExisting = (await deliver(existing.address)).gas;
  const inNewHolder = (await deliver(Wallet.createRandom().address)).gas;
  const last = await deliver(existing.address);
  const replay = await gasOf(
    bridge.connect(relayer).deliver(HUB, hubBridge, sequence, existing.address, last.amount, last.sigs),
  );

  const harness = await ethers.deployContract("BridgeHubAddressHarness");
  const checkGas = (await harness.check.estimateGas(hubRecipient)) - (await harness.check.estimateGas("x"));

  // Axelar: two simulated chains on this node, each with Axelar's gateway and gas service.
  const side = async (label: string) => {
    const axelar = await deployLocalAxelar(label);
    const t = await ethers.deployContract("AlloToken", [admin.address]);
    const adapter = await ethers.deployContract("AlloraAxelarAdapter", [
      await axelar.gateway.getAddress(),
      await axelar.gasService.getAddress(),
      await t.getAddress(),
      admin.address,
      admin.address,
    ]);
    await t.setBridgeLimits(await adapter.getAddress(), CAP, CAP);
    await t.setBridgeLimits(admin.address, CAP, CAP);
    return { axelar, token: t, adapter };
  };
  const from = await side("ethereum");
  const to = await side("base");
  await from.adapter.setRemote(8453n, "base", await to.adapter.getAddress());
  await to.adapter.setRemote(1n, "ethereum", await from.adapter.getAddress());
  await from.token.crosschainMint(holder.address, 1_000n * ONE);
  await to.token.crosschainMint(existing.address, ONE);
  const axelarSend = async () => {
    const tx = await from.adapter.connect(holder).send(8453n, existing.address, ONE, { value: 10n ** 15n });
    const receipt = (await tx.wait())!;
    return { gas: receipt.gasUsed, call: contractCallOf(receipt, from.axelar.gateway, "ethereum") };
  };
  const axelarExecute = async (call: Awaited<ReturnType<typeof axelarSend>>["call"]) => {
    const message = { ...call.message, contractAddress: await to.adapter.getAddress() };
    await to.axelar.approve([message]);
    const commandId = commandIdOf(message);
    return gasOf(
      to.adapter
        .connect(relayer)
        .execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
    );
  };
  await axelarExecute((await axelarSend()).call); // first writes
  const steady = await axelarSend();
  const axelarExecuteGas = await axelarExecute(steady.call);

  return {
    "bridge.axelar.send": steady.gas,
    "bridge.axelar.execute": axelarExecuteGas,
    "bridge.out": out,
    "bridge.out.evm": outEvm,
    "bridge.in.3of5": inExisting,
    "bridge.in.3of5.newHolder": inNewHolder,
    "bridge.in.replay": replay,
    "bridge.hubAddress.check": checkGas,
  };
};

export default suite;
