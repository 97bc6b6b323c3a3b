/**
 * The contract review's bridge findings (issue 14), each as the adversarial case it describes:
 * - a source bridge redeployed while its peer keeps its bitmap: the new bridge's sequence 1 must mint, and only
 *   the registered source bridge may mint at all;
 * - a destination bridge redeployed (empty bitmap): what its predecessor settled is refused by sequence;
 * - the TypeScript signing code (lib/eip712/bridge.ts) agrees with the contract's digest, transfer id and ids;
 * - a queued transfer whose source was disabled, held by a guardian or cancelled by the admin; the wait;
 * - a zero limit window;
 * - a delivery the token's mint limit refuses while the bridge's own limit allows it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { toBech32 } from "@cosmjs/encoding";
import { evmBridgeId, hubBridgeId, transferDigest, transferId } from "../../../lib/eip712/bridge";
import {
  BNB,
  DeliveryStatus,
  HUB,
  HUB_ESCROW,
  IN_CAP,
  ONE,
  OUT_CAP,
  WINDOW,
  attest,
  deployBridge,
  makeAttesters,
  src,
  type Inbound,
} from "./fixtures";
import type { AlloToken, AlloraBridge } from "../../../typechain-types";

const LOCAL = 31337n;

/**
 * The fixture's bridge (chain 31337) as the destination, and two successive bridges of a simulated BNB Smart
 * Chain (56) on the same node as sources: v1, then v2, its redeployment. Both are real AlloraBridges that burn
 * on their own token and number their sends to 31337 from 1.
 */
async function redeployedSource() {
  const f = await deployBridge();
  const { admin, alice } = f;
  const SIM_BNB = 56n;
  const sourceToken = (await ethers.deployContract("AlloToken", [admin.address])) as unknown as AlloToken;
  const sourceBridge = async (): Promise<AlloraBridge> => {
    const bridge = (await ethers.deployContract("BridgeSimulatedBnb", [
      await sourceToken.getAddress(),
      HUB,
      WINDOW,
      admin.address,
      f.attesters.map((a) => a.address),
      3,
    ])) as unknown as AlloraBridge;
    await sourceToken.setBridgeLimits(await bridge.getAddress(), OUT_CAP, OUT_CAP);
    await bridge.setRemoteChainEnabled(LOCAL, true, true);
    await bridge.setRemoteChainLimits(LOCAL, OUT_CAP, IN_CAP);
    return bridge;
  };
  const v1 = await sourceBridge();
  const v2 = await sourceBridge();
  await sourceToken.setBridgeLimits(admin.address, OUT_CAP, OUT_CAP);
  await sourceToken.crosschainMint(alice.address, 1000n * ONE);
  // The destination accepts simulated BNB, from v1 for now.
  await f.bridge.setRemoteChainEnabled(SIM_BNB, true, true);
  await f.bridge.setRemoteChainLimits(SIM_BNB, OUT_CAP, IN_CAP);
  await f.bridge.setRemoteSourceBridge(SIM_BNB, await v1.bridgeId());
  return { ...f, SIM_BNB, sourceToken, v1, v2 };
}

/** Sends `amount` from `source` to 31337 and returns what a relayer reads from TransferSent. */
async function send(source: AlloraBridge, from: Awaited<ReturnType<typeof ethers.getSigners>>[number], amount: bigint) {
  const receipt = await (await source.connect(from).sendToChain(LOCAL, from.address, amount)).wait();
  const log = receipt!.logs.map((l) => source.interface.parseLog(l)).find((l) => l?.name === "TransferSent")!;
  return { id: log.args.transferId as string, sequence: log.args.sequence as bigint, recipient: from.address, amount };
}

describe("AlloraBridge source bridges and review findings", function () {
  describe("a source bridge redeployed while its peer keeps its bitmap", function () {
    it("mints the new bridge's sequence 1 (v1 delivered 1 and 2), and refuses the retired bridge", async function () {
      const { bridge, token, attesters, alice, relayer, admin, SIM_BNB, v1, v2 } = await loadFixture(redeployedSource);
      const deliverFrom = async (source: AlloraBridge, sent: Awaited<ReturnType<typeof send>>) => {
        const sourceBridge = await source.bridgeId();
        const t: Inbound = { sourceChain: SIM_BNB, sourceBridge, sequence: sent.sequence, recipient: sent.recipient, amount: sent.amount };
        const sigs = await attest(bridge, t, attesters);
        return { sourceBridge, sigs, call: () => bridge.connect(relayer).deliver(SIM_BNB, sourceBridge, sent.sequence, sent.recipient, sent.amount, sigs) };
      };

      // v1 sends two transfers; both are delivered.
      for (const amount of [2n * ONE, 3n * ONE]) {
        const sent = await send(v1, alice, amount);
        const d = await deliverFrom(v1, sent);
        // The id the source announced is the id the destination records.
        await expect(d.call()).to.emit(bridge, "TransferDelivered").withArgs(sent.id, SIM_BNB, sent.sequence, alice.address, amount);
      }
      // v1 is retired (drained and paused there); the admin registers v2.
      await expect(bridge.connect(admin).setRemoteSourceBridge(SIM_BNB, await v2.bridgeId()))
        .to.emit(bridge, "RemoteSourceBridgeSet")
        .withArgs(SIM_BNB, await v1.bridgeId(), await v2.bridgeId());

      // The user sends 25 ALLO from v2: sequence 1 again, burned on the source.
      const before = await token.balanceOf(alice.address);
      const sent = await send(v2, alice, 25n * ONE);
      expect(sent.sequence).to.equal(1n);
      const d = await deliverFrom(v2, sent);
      expect(await bridge.deliver.staticCall(SIM_BNB, d.sourceBridge, 1n, alice.address, 25n * ONE, d.sigs)).to.equal(
        DeliveryStatus.Minted,
      );
      await expect(d.call()).to.emit(bridge, "TransferDelivered").withArgs(sent.id, SIM_BNB, 1n, alice.address, 25n * ONE);
      expect(await token.balanceOf(alice.address)).to.equal(before + 25n * ONE);
      // Each bridge is its own replay domain.
      expect(await bridge.isDelivered(SIM_BNB, await v1.bridgeId(), 2n)).to.equal(true);
      expect(await bridge.isDelivered(SIM_BNB, await v2.bridgeId(), 1n)).to.equal(true);
      expect(await bridge.isDelivered(SIM_BNB, await v2.bridgeId(), 2n)).to.equal(false);

      // The retired bridge can no longer mint here, even with valid signatures.
      const late = await send(v1, alice, ONE);
      const lateDelivery = await deliverFrom(v1, late);
      await expect(lateDelivery.call())
        .to.be.revertedWithCustomError(bridge, "UnknownSourceBridge")
        .withArgs(SIM_BNB, await v1.bridgeId());
    });

    it("binds the source bridge into the signature: v1's attestation does not deliver as v2's", async function () {
      const { bridge, attesters, alice, relayer, admin, SIM_BNB, v1, v2 } = await loadFixture(redeployedSource);
      const sent = await send(v1, alice, ONE);
      const t: Inbound = { sourceChain: SIM_BNB, sourceBridge: await v1.bridgeId(), sequence: 1n, recipient: alice.address, amount: ONE };
      const sigs = await attest(bridge, t, attesters);
      await bridge.connect(admin).setRemoteSourceBridge(SIM_BNB, await v2.bridgeId());
      // The signatures recover to other addresses under v2's digest.
      await expect(
        bridge.connect(relayer).deliver(SIM_BNB, await v2.bridgeId(), sent.sequence, alice.address, ONE, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
    });

    it("accepts only the registered source bridge; none registered means nothing mints", async function () {
      const { bridge, attesters, admin, alice, relayer, guardian } = await loadFixture(deployBridge);
      const stranger = evmBridgeId("0x00000000000000000000000000000000000051a1");
      const t: Inbound = { sourceChain: BNB, sourceBridge: stranger, sequence: 1n, recipient: alice.address, amount: ONE };
      await expect(
        bridge.connect(relayer).deliver(BNB, stranger, 1n, alice.address, ONE, await attest(bridge, t, attesters)),
      )
        .to.be.revertedWithCustomError(bridge, "UnknownSourceBridge")
        .withArgs(BNB, stranger);
      // Deregistering (zero) stops the chain's registered bridge too.
      await expect(bridge.connect(admin).setRemoteSourceBridge(BNB, ethers.ZeroHash))
        .to.emit(bridge, "RemoteSourceBridgeSet")
        .withArgs(BNB, src(BNB), ethers.ZeroHash);
      const ok: Inbound = { sourceChain: BNB, sequence: 1n, recipient: alice.address, amount: ONE };
      await expect(
        bridge.connect(relayer).deliver(BNB, src(BNB), 1n, alice.address, ONE, await attest(bridge, ok, attesters)),
      )
        .to.be.revertedWithCustomError(bridge, "UnknownSourceBridge")
        .withArgs(BNB, src(BNB));
      // A zero source bridge never matches "none registered".
      const zero: Inbound = { ...ok, sourceBridge: ethers.ZeroHash };
      await expect(
        bridge.connect(relayer).deliver(BNB, ethers.ZeroHash, 1n, alice.address, ONE, await attest(bridge, zero, attesters)),
      ).to.be.revertedWithCustomError(bridge, "UnknownSourceBridge");
      // Ids are 20 bytes left-padded; only the admin registers.
      const wide = "0x0000000000000000000000010000000000000000000000000000000000000001";
      await expect(bridge.connect(admin).setRemoteSourceBridge(BNB, wide))
        .to.be.revertedWithCustomError(bridge, "InvalidSourceBridge")
        .withArgs(wide);
      await expect(bridge.connect(guardian).setRemoteSourceBridge(BNB, src(BNB)))
        .to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ethers.ZeroHash);
      await expect(bridge.connect(admin).setRemoteSourceBridge(LOCAL, src(BNB)))
        .to.be.revertedWithCustomError(bridge, "InvalidRemoteChain")
        .withArgs(LOCAL);
      expect(await bridge.isDelivered(BNB, wide, 1n)).to.equal(false);
    });
  });

  describe("a destination bridge redeployed while its sources keep their ids and sequences", function () {
    it("refuses re-signed transfers its predecessor settled once the admin sets the first sequence", async function () {
      const { bridge: v1, token, attesters, admin, guardian, relayer } = await loadFixture(deployBridge);
      const recipient = "0x00000000000000000000000000000000000000d2";
      const transfer = (sequence: bigint): Inbound => ({ sourceChain: BNB, sequence, recipient, amount: ONE });
      for (const sequence of [1n, 2n]) {
        const t = transfer(sequence);
        await v1.connect(relayer).deliver(BNB, src(BNB), sequence, recipient, ONE, await attest(v1, t, attesters));
      }
      // v2 replaces v1 on this chain: same token, same source bridges, an empty bitmap.
      const v2 = await ethers.deployContract("AlloraBridge", [
        await token.getAddress(),
        HUB,
        WINDOW,
        admin.address,
        guardian.address,
        1n,
        attesters.map((a) => a.address),
        3,
      ]);
      await token.connect(admin).setBridgeLimits(await v2.getAddress(), OUT_CAP, OUT_CAP);
      await v2.setRemoteChainEnabled(BNB, true, true);
      await v2.setRemoteChainLimits(BNB, OUT_CAP, IN_CAP);
      await v2.setRemoteSourceBridge(BNB, src(BNB));
      expect((await v2.remoteChain(BNB)).firstInboundSequence).to.equal(1n);
      // Re-signed for v2, BNB's sequence 1 would mint a second time (v1's bitmap is not here)...
      const again = await attest(v2, transfer(1n), attesters);
      expect(await v2.connect(relayer).deliver.staticCall(BNB, src(BNB), 1n, recipient, ONE, again)).to.equal(
        DeliveryStatus.Minted,
      );
      // ... unless the admin says where v1 stopped.
      await expect(v2.connect(admin).setRemoteFirstSequence(BNB, 3n))
        .to.emit(v2, "RemoteFirstSequenceSet")
        .withArgs(BNB, src(BNB), 3n);
      expect((await v2.remoteChain(BNB)).firstInboundSequence).to.equal(3n);
      for (const sequence of [1n, 2n]) {
        await expect(
          v2.connect(relayer).deliver(BNB, src(BNB), sequence, recipient, ONE, await attest(v2, transfer(sequence), attesters)),
        )
          .to.be.revertedWithCustomError(v2, "SequenceBeforeFirst")
          .withArgs(BNB, sequence, 3n);
      }
      await expect(
        v2.connect(relayer).deliver(BNB, src(BNB), 3n, recipient, ONE, await attest(v2, transfer(3n), attesters)),
      ).to.emit(v2, "TransferDelivered");
      expect(await token.balanceOf(recipient)).to.equal(3n * ONE);
      // The limit's state beside the first sequence is intact, and a new source bridge starts at 1 again.
      expect(await v2.netBridgedIn(BNB)).to.equal(ONE);
      await v2.connect(admin).setRemoteSourceBridge(BNB, evmBridgeId("0x0000000000000000000000000000000000000b22"));
      expect((await v2.remoteChain(BNB)).firstInboundSequence).to.equal(1n);
    });

    it("checks the first sequence it is given", async function () {
      const { bridge, admin, guardian } = await loadFixture(deployBridge);
      for (const bad of [0n, 2n ** 40n + 1n]) {
        await expect(bridge.connect(admin).setRemoteFirstSequence(BNB, bad))
          .to.be.revertedWithCustomError(bridge, "InvalidFirstSequence")
          .withArgs(bad);
      }
      await bridge.connect(admin).setRemoteFirstSequence(BNB, 2n ** 40n);
      expect((await bridge.remoteChain(BNB)).firstInboundSequence).to.equal(2n ** 40n);
      await expect(bridge.connect(admin).setRemoteFirstSequence(77n, 5n))
        .to.be.revertedWithCustomError(bridge, "UnknownSourceBridge")
        .withArgs(77n, ethers.ZeroHash);
      await expect(bridge.connect(guardian).setRemoteFirstSequence(BNB, 5n)).to.be.revertedWithCustomError(
        bridge,
        "AccessControlUnauthorizedAccount",
      );
    });
  });

  describe("lib/eip712/bridge.ts against the contract", function () {
    it("computes the same digest, transfer id and bridge ids", async function () {
      const { bridge } = await loadFixture(deployBridge);
      const recipient = "0x00000000000000000000000000000000000000d0";
      const hubId = hubBridgeId(HUB_ESCROW);
      for (const [sourceChain, sourceBridge] of [
        [HUB, hubId],
        [BNB, src(BNB)],
      ] as const) {
        const t = { setId: 7n, sourceChain, sourceBridge, sequence: 300n, recipient, amount: 5n * ONE };
        expect(await bridge.transferDigest(7n, sourceChain, sourceBridge, 300n, recipient, 5n * ONE)).to.equal(
          transferDigest({ chainId: LOCAL, verifyingContract: await bridge.getAddress() }, t),
        );
        expect(await bridge.transferId(sourceChain, sourceBridge, LOCAL, 300n)).to.equal(
          transferId(sourceChain, sourceBridge, LOCAL, 300n),
        );
      }
      expect(await bridge.bridgeId()).to.equal(evmBridgeId(await bridge.getAddress()));
      expect(await bridge.TRANSFER_TYPEHASH()).to.equal(
        ethers.id(
          "Transfer(uint64 setId,uint64 sourceChain,bytes32 sourceBridge,uint64 sequence,address recipient,uint256 amount)",
        ),
      );
    });

    it("derives the hub id from the escrow's bech32 address bytes, and refuses what a bridge cannot accept", function () {
      const bytes = ethers.getBytes("0x00112233445566778899aabbccddeeff00112233");
      expect(hubBridgeId(toBech32("allo", bytes))).to.equal(ethers.zeroPadValue(bytes, 32));
      expect(evmBridgeId("0x00112233445566778899AABBCCDDEEFF00112233")).to.equal(ethers.zeroPadValue(bytes, 32));
      expect(() => hubBridgeId(toBech32("allo", new Uint8Array(32)))).to.throw(/32 address bytes.*only 20-byte/);
      expect(() => hubBridgeId("allo1notbech32")).to.throw(/not a bech32 address/);
    });
  });

  describe("the queue", function () {
    /** The fixture with BNB's inbound capacity at 10 ALLO and a 6 + 6 ALLO pair delivered: the second waits. */
    async function queued() {
      const f = await deployBridge();
      const { bridge, attesters, admin } = f;
      await bridge.connect(admin).setRemoteChainLimits(BNB, OUT_CAP, 10n * ONE);
      const recipient = "0x00000000000000000000000000000000000000d0";
      for (const sequence of [1n, 2n]) {
        const t: Inbound = { sourceChain: BNB, sequence, recipient, amount: 6n * ONE };
        await bridge.deliver(BNB, src(BNB), sequence, recipient, 6n * ONE, await attest(bridge, t, attesters));
      }
      const id = transferId(BNB, src(BNB), LOCAL, 2n);
      const { queuedAt } = await bridge.queuedTransfer(id);
      return { ...f, id, recipient, queuedAt };
    }

    it("does not release a transfer from a source the admin disabled, until it is enabled again", async function () {
      const { bridge, token, admin, id, recipient, queuedAt } = await loadFixture(queued);
      await bridge.connect(admin).setRemoteChainEnabled(BNB, true, false);
      await time.increaseTo(queuedAt + WINDOW);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "SourceNotEnabled").withArgs(BNB);
      await bridge.connect(admin).setRemoteChainEnabled(BNB, true, true);
      await expect(bridge.releaseQueued(id)).to.emit(bridge, "QueuedTransferReleased").withArgs(id, recipient, 6n * ONE);
      expect(await token.balanceOf(recipient)).to.equal(12n * ONE);
    });

    it("waits one limit window after queuing", async function () {
      const { bridge, id, queuedAt } = await loadFixture(queued);
      await time.increaseTo(queuedAt + WINDOW - 2n);
      await expect(bridge.releaseQueued(id))
        .to.be.revertedWithCustomError(bridge, "QueuedTransferNotReady")
        .withArgs(id, queuedAt + WINDOW);
      await expect(bridge.releaseQueued(id)).to.emit(bridge, "QueuedTransferReleased");
    });

    it("lets a guardian hold a queued transfer and only the admin lift the hold", async function () {
      const { bridge, guardian, admin, alice, id, queuedAt } = await loadFixture(queued);
      await expect(bridge.connect(alice).setQueuedTransferHeld(id, true))
        .to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, await bridge.GUARDIAN_ROLE());
      await expect(bridge.connect(guardian).setQueuedTransferHeld(id, true))
        .to.emit(bridge, "QueuedTransferHeld")
        .withArgs(id, true, guardian.address);
      expect((await bridge.queuedTransfer(id)).held).to.equal(true);
      await time.increaseTo(queuedAt + WINDOW);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "QueuedTransferIsHeld").withArgs(id);
      await expect(bridge.connect(guardian).setQueuedTransferHeld(id, false))
        .to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ethers.ZeroHash);
      await expect(bridge.connect(admin).setQueuedTransferHeld(id, false))
        .to.emit(bridge, "QueuedTransferHeld")
        .withArgs(id, false, admin.address);
      await expect(bridge.releaseQueued(id)).to.emit(bridge, "QueuedTransferReleased");
      await expect(bridge.connect(guardian).setQueuedTransferHeld(id, true))
        .to.be.revertedWithCustomError(bridge, "NotQueued")
        .withArgs(id);
    });

    it("lets only the admin cancel a queued transfer, which then never mints", async function () {
      const { bridge, token, guardian, admin, attesters, relayer, id, recipient, queuedAt } = await loadFixture(queued);
      await expect(bridge.connect(guardian).cancelQueued(id)).to.be.revertedWithCustomError(
        bridge,
        "AccessControlUnauthorizedAccount",
      );
      await expect(bridge.connect(admin).cancelQueued(id))
        .to.emit(bridge, "QueuedTransferCancelled")
        .withArgs(id, recipient, 6n * ONE, admin.address);
      await time.increaseTo(queuedAt + WINDOW);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "NotQueued").withArgs(id);
      // Delivering it again is a no-op: its replay bit stays set.
      const t: Inbound = { sourceChain: BNB, sequence: 2n, recipient, amount: 6n * ONE };
      const sigs = await attest(bridge, t, attesters);
      expect(await bridge.connect(relayer).deliver.staticCall(BNB, src(BNB), 2n, recipient, 6n * ONE, sigs)).to.equal(
        DeliveryStatus.AlreadyDelivered,
      );
      expect(await bridge.isDelivered(BNB, src(BNB), 2n)).to.equal(true);
      expect(await token.balanceOf(recipient)).to.equal(6n * ONE);
      await expect(bridge.connect(admin).cancelQueued(id)).to.be.revertedWithCustomError(bridge, "NotQueued");
    });
  });

  it("rejects a zero limit window", async function () {
    const [admin] = await ethers.getSigners();
    const token = await ethers.deployContract("AlloToken", [admin.address]);
    const Bridge = await ethers.getContractFactory("AlloraBridge");
    const signers = makeAttesters(3).map((a) => a.address);
    await expect(
      Bridge.deploy(await token.getAddress(), HUB, 0n, admin.address, admin.address, 1n, signers, 2),
    ).to.be.revertedWithCustomError(Bridge, "InvalidLimitWindow");
    const oneSecond = await Bridge.deploy(await token.getAddress(), HUB, 1n, admin.address, admin.address, 1n, signers, 2);
    expect(await oneSecond.limitWindow()).to.equal(1n);
  });

  it("keeps a delivery that the token's mint limit refuses deliverable later, never marked delivered", async function () {
    const { bridge, token, admin, attesters, relayer } = await loadFixture(deployBridge);
    // The bridge's own inbound limit allows 1,000,000 ALLO; the token lets it mint only 10 per day.
    await token.connect(admin).setBridgeLimits(await bridge.getAddress(), 10n * ONE, OUT_CAP);
    const recipient = "0x00000000000000000000000000000000000000d1";
    const t: Inbound = { sourceChain: HUB, sequence: 1n, recipient, amount: 50n * ONE };
    const sigs = await attest(bridge, t, attesters);
    await expect(bridge.connect(relayer).deliver(HUB, src(HUB), 1n, recipient, 50n * ONE, sigs))
      .to.be.revertedWithCustomError(token, "MintingLimitExceeded")
      .withArgs(await bridge.getAddress(), 50n * ONE, (available: bigint) => available <= 10n * ONE);
    expect(await bridge.isDelivered(HUB, src(HUB), 1n)).to.equal(false);
    expect((await bridge.limits(HUB))[3]).to.equal(IN_CAP);
    // Once the token's limit is raised, the same attestation delivers it.
    await token.connect(admin).setBridgeLimits(await bridge.getAddress(), 100n * ONE, OUT_CAP);
    await expect(bridge.connect(relayer).deliver(HUB, src(HUB), 1n, recipient, 50n * ONE, sigs)).to.emit(
      bridge,
      "TransferDelivered",
    );
    expect(await token.balanceOf(recipient)).to.equal(50n * ONE);
  });
});
