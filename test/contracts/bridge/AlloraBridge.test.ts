import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, concat, toBeHex, zeroPadValue } from "ethers";
import { evmBridgeId, transferDigest, transferId } from "../../../lib/eip712/bridge";
import {
  BASE,
  BNB,
  DeliveryStatus,
  Direction,
  HUB,
  IN_CAP,
  ONE,
  OUT_CAP,
  WINDOW,
  attest,
  deployBridge,
  hubAccount,
  makeAttesters,
  src,
  type Inbound,
} from "./fixtures";

const LOCAL = 31337n;

describe("AlloraBridge", function () {
  describe("deployment", function () {
    it("exposes its configuration", async function () {
      const { bridge, token, attesters } = await loadFixture(deployBridge);
      expect(await bridge.token()).to.equal(await token.getAddress());
      expect(await bridge.localChain()).to.equal(LOCAL);
      expect(await bridge.hubChain()).to.equal(HUB);
      expect(await bridge.limitWindow()).to.equal(WINDOW);
      const [setId, signers, threshold] = await bridge.attesterSet();
      expect(setId).to.equal(1n);
      expect(signers).to.deep.equal(attesters.map((a) => a.address));
      expect(threshold).to.equal(3n);
      expect(await bridge.remoteChains()).to.deep.equal([HUB, BNB, BASE]);
    });

    it("rejects a zero token or admin, and a hub id that is zero or this chain", async function () {
      const [admin] = await ethers.getSigners();
      const token = await ethers.deployContract("AlloToken", [admin.address]);
      const signers = makeAttesters(3).map((a) => a.address);
      const Bridge = await ethers.getContractFactory("AlloraBridge");
      const tokenAddress = await token.getAddress();
      await expect(
        Bridge.deploy(ethers.ZeroAddress, HUB, WINDOW, admin.address, admin.address, 1n, signers, 2),
      ).to.be.revertedWithCustomError(Bridge, "ZeroRecipient");
      // The admin role follows AccessControlDefaultAdminRules, which refuses a zero first admin itself.
      await expect(Bridge.deploy(tokenAddress, HUB, WINDOW, ethers.ZeroAddress, admin.address, 1n, signers, 2))
        .to.be.revertedWithCustomError(Bridge, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
      await expect(Bridge.deploy(tokenAddress, 0n, WINDOW, admin.address, admin.address, 1n, signers, 2))
        .to.be.revertedWithCustomError(Bridge, "InvalidRemoteChain")
        .withArgs(0n);
      await expect(Bridge.deploy(tokenAddress, LOCAL, WINDOW, admin.address, admin.address, 1n, signers, 2))
        .to.be.revertedWithCustomError(Bridge, "InvalidRemoteChain")
        .withArgs(LOCAL);
      await expect(
        Bridge.deploy(tokenAddress, HUB, WINDOW, admin.address, admin.address, 0n, signers, 2),
      ).to.be.revertedWithCustomError(Bridge, "AttesterSetIdNotIncreasing");
      // No guardian: only the admin can pause.
      const unguarded = await Bridge.deploy(
        tokenAddress,
        HUB,
        WINDOW,
        admin.address,
        ethers.ZeroAddress,
        1n,
        signers,
        2,
      );
      expect(await unguarded.hasRole(await unguarded.GUARDIAN_ROLE(), ethers.ZeroAddress)).to.equal(false);
    });
  });

  describe("sendToHub", function () {
    it("burns, assigns sequences per destination and emits what a relayer needs", async function () {
      const { bridge, token, alice } = await loadFixture(deployBridge);
      const recipient = hubAccount();
      const amount = 5n * ONE;
      const fee = 1234n;
      const id1 = transferId(LOCAL, evmBridgeId(await bridge.getAddress()), HUB, 1n);
      await expect(bridge.connect(alice).sendToHub(recipient, amount, { value: fee }))
        .to.emit(bridge, "TransferSent")
        .withArgs(id1, HUB, 1n, alice.address, ethers.toUtf8Bytes(recipient), amount, fee)
        .and.to.emit(token, "CrosschainBurn")
        .withArgs(alice.address, amount, await bridge.getAddress());
      await expect(bridge.connect(alice).sendToHub(recipient, amount))
        .to.emit(bridge, "TransferSent")
        .withArgs(
          transferId(LOCAL, evmBridgeId(await bridge.getAddress()), HUB, 2n),
          HUB,
          2n,
          alice.address,
          ethers.toUtf8Bytes(recipient),
          amount,
          0n,
        );
      // Another destination has its own sequence.
      await expect(bridge.connect(alice).sendToChain(BNB, alice.address, amount))
        .to.emit(bridge, "TransferSent")
        .withArgs(
          transferId(LOCAL, evmBridgeId(await bridge.getAddress()), BNB, 1n),
          BNB,
          1n,
          alice.address,
          alice.address.toLowerCase(),
          amount,
          0n,
        );
      expect(await token.balanceOf(alice.address)).to.equal(1000n * ONE - 3n * amount);
      expect(await bridge.netBridgedIn(HUB)).to.equal(-2n * amount);
      expect(await bridge.netBridgedIn(BNB)).to.equal(-amount);
      expect((await bridge.remoteChain(HUB)).lastOutboundSequence).to.equal(2n);
      expect(await ethers.provider.getBalance(await bridge.getAddress())).to.equal(fee);
      const [outCap, outAvail] = await bridge.limits(HUB);
      expect(outCap).to.equal(OUT_CAP);
      expect(outAvail).to.be.closeTo(OUT_CAP - 2n * amount, (OUT_CAP * 10n) / WINDOW);
    });

    it("accepts a 32-byte (module) hub account", async function () {
      const { bridge, alice } = await loadFixture(deployBridge);
      await expect(bridge.connect(alice).sendToHub(hubAccount(ethers.randomBytes(32)), ONE)).to.emit(
        bridge,
        "TransferSent",
      );
    });

    it("rejects malformed hub recipients, naming the problem", async function () {
      const { bridge, alice } = await loadFixture(deployBridge);
      const good = hubAccount();
      const flipped = good.slice(0, -1) + (good.endsWith("q") ? "p" : "q");
      const cases: [string, number][] = [
        [good.replace("allo1", "cosm1"), 1], // Prefix
        [good.slice(0, -1), 2], // Length
        [good.slice(0, 10) + "b" + good.slice(11), 3], // 'b' is not in the charset
        [good.toUpperCase(), 1], // an upper-case prefix fails the prefix check
        ["allo1" + good.slice(5).toUpperCase(), 3],
        [flipped, 5], // Checksum
      ];
      for (const [recipient, problem] of cases) {
        await expect(bridge.connect(alice).sendToHub(recipient, ONE))
          .to.be.revertedWithCustomError(bridge, "InvalidHubAddress")
          .withArgs(problem);
      }
    });

    it("reverts on a zero or oversized amount, a disabled or paused destination, or an exhausted limit", async function () {
      const { bridge, alice, guardian, admin } = await loadFixture(deployBridge);
      const r = hubAccount();
      await expect(bridge.connect(alice).sendToHub(r, 0n)).to.be.revertedWithCustomError(
        bridge,
        "ZeroAmount",
      );
      // Amounts are accounted in 88 bits, like capacities.
      const tooMuch = 2n ** 88n;
      await expect(bridge.connect(alice).sendToHub(r, tooMuch))
        .to.be.revertedWithCustomError(bridge, "AmountTooLarge")
        .withArgs(tooMuch);
      await expect(bridge.connect(alice).sendToChain(BNB, alice.address, tooMuch - 1n))
        .to.be.revertedWithCustomError(bridge, "OutboundLimitExceeded")
        .withArgs(BNB, tooMuch - 1n, (available: bigint) => available <= OUT_CAP);
      await bridge.connect(admin).setRemoteChainEnabled(HUB, false, true);
      await expect(bridge.connect(alice).sendToHub(r, ONE))
        .to.be.revertedWithCustomError(bridge, "DestinationNotEnabled")
        .withArgs(HUB);
      await bridge.connect(admin).setRemoteChainEnabled(HUB, true, true);
      await bridge.connect(guardian).pause(Direction.Outbound);
      await expect(bridge.connect(alice).sendToHub(r, ONE))
        .to.be.revertedWithCustomError(bridge, "DirectionIsPaused")
        .withArgs(Direction.Outbound, HUB);
      await bridge.connect(admin).unpause(Direction.Outbound);
      await bridge.connect(admin).setRemoteChainLimits(HUB, 10n * ONE, IN_CAP);
      await bridge.connect(alice).sendToHub(r, 6n * ONE);
      await expect(bridge.connect(alice).sendToHub(r, 6n * ONE)).to.be.revertedWithCustomError(
        bridge,
        "OutboundLimitExceeded",
      );
      await time.increase(WINDOW);
      await expect(bridge.connect(alice).sendToHub(r, 6n * ONE)).to.emit(bridge, "TransferSent");
    });

    it("leaves the token's per-bridge limit and balances as the outer fence", async function () {
      const { bridge, token, alice, bob } = await loadFixture(deployBridge);
      await expect(bridge.connect(bob).sendToHub(hubAccount(), ONE)).to.be.revertedWithCustomError(
        token,
        "ERC20InsufficientBalance",
      );
      await token.setBridgeLimits(await bridge.getAddress(), ONE, ONE);
      await expect(bridge.connect(alice).sendToHub(hubAccount(), 2n * ONE)).to.be.revertedWithCustomError(
        token,
        "BurningLimitExceeded",
      );
    });
  });

  describe("sendToChain", function () {
    it("rejects the hub, this chain, an unknown chain and a zero recipient", async function () {
      const { bridge, alice } = await loadFixture(deployBridge);
      await expect(bridge.connect(alice).sendToChain(HUB, alice.address, ONE))
        .to.be.revertedWithCustomError(bridge, "InvalidDestination")
        .withArgs(HUB);
      await expect(bridge.connect(alice).sendToChain(LOCAL, alice.address, ONE))
        .to.be.revertedWithCustomError(bridge, "InvalidDestination")
        .withArgs(LOCAL);
      await expect(bridge.connect(alice).sendToChain(999n, alice.address, ONE))
        .to.be.revertedWithCustomError(bridge, "DestinationNotEnabled")
        .withArgs(999n);
      await expect(
        bridge.connect(alice).sendToChain(BNB, ethers.ZeroAddress, ONE),
      ).to.be.revertedWithCustomError(bridge, "ZeroRecipient");
    });
  });

  describe("permit variants", function () {
    async function permitSignature(
      f: Awaited<ReturnType<typeof deployBridge>>,
      amount: bigint,
      deadline: bigint,
    ) {
      const { token, bridge, alice } = f;
      const domain = {
        name: await token.name(),
        version: "1",
        chainId: LOCAL,
        verifyingContract: await token.getAddress(),
      };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const value = {
        owner: alice.address,
        spender: await bridge.getAddress(),
        value: amount,
        nonce: await token.nonces(alice.address),
        deadline,
      };
      return Signature.from(await alice.signTypedData(domain, types, value));
    }

    it("applies the permit and sends in one transaction (hub and EVM)", async function () {
      const f = await loadFixture(deployBridge);
      const { bridge, token, alice } = f;
      const deadline = BigInt(await time.latest()) + 3600n;
      let sig = await permitSignature(f, ONE, deadline);
      await expect(
        bridge.connect(alice).sendToHubWithPermit(hubAccount(), ONE, deadline, sig.v, sig.r, sig.s),
      ).to.emit(bridge, "TransferSent");
      expect(await token.allowance(alice.address, await bridge.getAddress())).to.equal(ONE);
      expect(await token.nonces(alice.address)).to.equal(1n);
      sig = await permitSignature(f, 2n * ONE, deadline);
      await expect(
        bridge
          .connect(alice)
          .sendToChainWithPermit(BASE, alice.address, 2n * ONE, deadline, sig.v, sig.r, sig.s),
      ).to.emit(bridge, "TransferSent");
      expect(await token.nonces(alice.address)).to.equal(2n);
    });

    it("still sends when a front-runner already used the permit", async function () {
      const f = await loadFixture(deployBridge);
      const { bridge, token, alice, bob } = f;
      const deadline = BigInt(await time.latest()) + 3600n;
      const sig = await permitSignature(f, ONE, deadline);
      await token
        .connect(bob)
        .permit(alice.address, await bridge.getAddress(), ONE, deadline, sig.v, sig.r, sig.s);
      await expect(
        bridge.connect(alice).sendToChainWithPermit(BNB, alice.address, ONE, deadline, sig.v, sig.r, sig.s),
      ).to.emit(bridge, "TransferSent");
      await expect(bridge.connect(alice).sendToHubWithPermit("allo1bad", ONE, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(bridge, "InvalidHubAddress")
        .withArgs(2);
      await expect(
        bridge.connect(alice).sendToChainWithPermit(HUB, alice.address, ONE, deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(bridge, "InvalidDestination");
    });
  });

  describe("deliver", function () {
    const t = (over: Partial<Inbound> = {}): Inbound => ({
      sourceChain: HUB,
      sequence: 1n,
      recipient: ethers.getAddress("0x00000000000000000000000000000000000000b0"),
      amount: 7n * ONE,
      ...over,
    });

    it("mints an attested transfer, records it and emits", async function () {
      const { bridge, token, attesters, relayer } = await loadFixture(deployBridge);
      const transfer = t();
      const sigs = await attest(bridge, transfer, attesters.slice(0, 3));
      expect(await bridge.isDelivered(HUB, src(HUB), 1n)).to.equal(false);
      expect(
        await bridge.connect(relayer).deliver.staticCall(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs),
      ).to.equal(DeliveryStatus.Minted);
      await expect(bridge.connect(relayer).deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs))
        .to.emit(bridge, "TransferDelivered")
        .withArgs(transferId(HUB, src(HUB), LOCAL, 1n), HUB, 1n, transfer.recipient, transfer.amount)
        .and.to.emit(token, "CrosschainMint");
      expect(await token.balanceOf(transfer.recipient)).to.equal(transfer.amount);
      expect(await bridge.isDelivered(HUB, src(HUB), 1n)).to.equal(true);
      expect(await bridge.isDelivered(HUB, src(HUB), 2n)).to.equal(false);
      expect(await bridge.netBridgedIn(HUB)).to.equal(transfer.amount);
      const [, , inCap, inAvail] = await bridge.limits(HUB);
      expect(inCap).to.equal(IN_CAP);
      expect(inAvail).to.be.lessThan(IN_CAP);
    });

    it("accepts more than the threshold, and matches the contract's digest", async function () {
      const { bridge, token, attesters } = await loadFixture(deployBridge);
      const transfer = t({ sequence: 300n, sourceChain: BNB });
      const digest = transferDigest(
        { chainId: LOCAL, verifyingContract: await bridge.getAddress() },
        { setId: 1n, sourceBridge: src(transfer.sourceChain), ...transfer },
      );
      expect(await bridge.transferDigest(1n, BNB, src(BNB), 300n, transfer.recipient, transfer.amount)).to.equal(
        digest,
      );
      await bridge.deliver(
        BNB,
        src(BNB),
        300n,
        transfer.recipient,
        transfer.amount,
        await attest(bridge, transfer, attesters),
      );
      expect(await token.balanceOf(transfer.recipient)).to.equal(transfer.amount);
      expect(await bridge.isDelivered(BNB, src(BNB), 300n)).to.equal(true);
    });

    it("makes a replayed delivery a no-op", async function () {
      const { bridge, token, attesters } = await loadFixture(deployBridge);
      const transfer = t();
      const sigs = await attest(bridge, transfer, attesters.slice(1, 4));
      await bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs);
      expect(await bridge.deliver.staticCall(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs)).to.equal(
        DeliveryStatus.AlreadyDelivered,
      );
      await expect(bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs)).not.to.emit(
        bridge,
        "TransferDelivered",
      );
      // A different attestation of the same (source, sequence) is no way around it either.
      const other = t({ recipient: "0x00000000000000000000000000000000000000c0" });
      await bridge.deliver(
        HUB,
        src(HUB),
        1n,
        other.recipient,
        other.amount,
        await attest(bridge, other, attesters.slice(0, 3)),
      );
      expect(await token.balanceOf(transfer.recipient)).to.equal(transfer.amount);
      expect(await token.balanceOf(other.recipient)).to.equal(0n);
      expect(await bridge.netBridgedIn(HUB)).to.equal(transfer.amount);
    });

    it("rejects a transfer attested for another chain", async function () {
      const { bridge, attesters } = await loadFixture(deployBridge);
      const transfer = t();
      const sigs = await attest(bridge, transfer, attesters.slice(0, 3), 1n, 56n);
      await expect(
        bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
    });

    it("rejects a transfer attested for another bridge with the same attesters", async function () {
      const { bridge, token, attesters, admin } = await loadFixture(deployBridge);
      const twin = await ethers.deployContract("AlloraBridge", [
        await token.getAddress(),
        HUB,
        WINDOW,
        admin.address,
        admin.address,
        1n,
        attesters.map((a) => a.address),
        3,
      ]);
      const transfer = t();
      const sigs = await attest(twin, transfer, attesters.slice(0, 3));
      await expect(
        bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
    });

    it("rejects a tampered recipient, amount, source or sequence", async function () {
      const { bridge, attesters } = await loadFixture(deployBridge);
      const transfer = t();
      const sigs = await attest(bridge, transfer, attesters.slice(0, 3));
      const other = "0x00000000000000000000000000000000000000c0";
      await expect(bridge.deliver(HUB, src(HUB), 1n, other, transfer.amount, sigs)).to.be.revertedWithCustomError(
        bridge,
        "UnknownSigner",
      );
      await expect(
        bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount + 1n, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
      await expect(
        bridge.deliver(BNB, src(BNB), 1n, transfer.recipient, transfer.amount, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
      await expect(
        bridge.deliver(HUB, src(HUB), 2n, transfer.recipient, transfer.amount, sigs),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
    });

    it("rejects too few, duplicate, unsorted, high-s, malformed and outsider signatures", async function () {
      const { bridge, attesters } = await loadFixture(deployBridge);
      const transfer = t();
      const deliver = (sigs: string) => bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs);
      const digest = transferDigest(
        { chainId: LOCAL, verifyingContract: await bridge.getAddress() },
        { setId: 1n, sourceBridge: src(transfer.sourceChain), ...transfer },
      );
      const sig = (i: number) => attesters[i].signingKey.sign(digest).serialized;

      await expect(deliver(concat([sig(0), sig(1)])))
        .to.be.revertedWithCustomError(bridge, "TooFewSignatures")
        .withArgs(2n, 3n);
      await expect(deliver(concat([sig(0), sig(1), sig(1)])))
        .to.be.revertedWithCustomError(bridge, "DuplicateSigner")
        .withArgs(attesters[1].address);
      await expect(deliver(concat([sig(0), sig(2), sig(1)])))
        .to.be.revertedWithCustomError(bridge, "SignersNotSorted")
        .withArgs(attesters[2].address, attesters[1].address);
      await expect(deliver("0x"))
        .to.be.revertedWithCustomError(bridge, "InvalidSignaturesLength")
        .withArgs(0n);
      await expect(deliver(concat([sig(0), sig(1), sig(2), "0x00"])))
        .to.be.revertedWithCustomError(bridge, "InvalidSignaturesLength")
        .withArgs(196n);

      // The malleable twin (r, n - s, flipped v) recovers to the same signer; it must be refused.
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const low = Signature.from(sig(1));
      const highS = concat([low.r, toBeHex(N - BigInt(low.s), 32), low.v === 27 ? "0x1c" : "0x1b"]);
      await expect(deliver(concat([sig(0), highS, sig(2)])))
        .to.be.revertedWithCustomError(bridge, "InvalidSignature")
        .withArgs(1n);

      const outsider = makeAttesters(1)[0];
      const withOutsider = await attest(bridge, transfer, [attesters[0], attesters[1], outsider]);
      await expect(deliver(withOutsider))
        .to.be.revertedWithCustomError(bridge, "UnknownSigner")
        .withArgs(outsider.address);
      // A zero-filled "signature" is invalid, not a zero signer that could match a default.
      await expect(deliver(concat([sig(0), sig(1), zeroPadValue("0x", 65)])))
        .to.be.revertedWithCustomError(bridge, "InvalidSignature")
        .withArgs(2n);
    });

    it("rejects a zero sequence, recipient or amount, an oversized amount and a disabled source", async function () {
      const { bridge, attesters, admin } = await loadFixture(deployBridge);
      const r = "0x00000000000000000000000000000000000000b0";
      const sigs = await attest(bridge, t(), attesters.slice(0, 3));
      await expect(bridge.deliver(HUB, src(HUB), 0n, r, ONE, sigs)).to.be.revertedWithCustomError(
        bridge,
        "ZeroSequence",
      );
      await expect(bridge.deliver(HUB, src(HUB), 1n, ethers.ZeroAddress, ONE, sigs)).to.be.revertedWithCustomError(
        bridge,
        "ZeroRecipient",
      );
      await expect(bridge.deliver(HUB, src(HUB), 1n, r, 0n, sigs)).to.be.revertedWithCustomError(bridge, "ZeroAmount");
      await expect(bridge.deliver(HUB, src(HUB), 1n, r, 2n ** 88n, sigs))
        .to.be.revertedWithCustomError(bridge, "AmountTooLarge")
        .withArgs(2n ** 88n);
      await expect(bridge.deliver(12345n, src(12345n), 1n, r, ONE, sigs))
        .to.be.revertedWithCustomError(bridge, "SourceNotEnabled")
        .withArgs(12345n);
      await bridge.connect(admin).setRemoteChainEnabled(HUB, true, false);
      await expect(bridge.deliver(HUB, src(HUB), 1n, r, 7n * ONE, sigs))
        .to.be.revertedWithCustomError(bridge, "SourceNotEnabled")
        .withArgs(HUB);
    });

    it("refuses deliveries while inbound is paused; outbound stays open", async function () {
      const { bridge, attesters, guardian, admin, alice } = await loadFixture(deployBridge);
      const transfer = t();
      const sigs = await attest(bridge, transfer, attesters.slice(0, 3));
      await expect(bridge.connect(guardian).pause(Direction.Inbound))
        .to.emit(bridge, "DirectionPaused")
        .withArgs(Direction.Inbound, true, guardian.address);
      await expect(bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs))
        .to.be.revertedWithCustomError(bridge, "DirectionIsPaused")
        .withArgs(Direction.Inbound, HUB);
      await expect(bridge.connect(alice).sendToHub(hubAccount(), ONE)).to.emit(bridge, "TransferSent");
      await expect(bridge.connect(guardian).unpause(Direction.Inbound)).to.be.revertedWithCustomError(
        bridge,
        "AccessControlUnauthorizedAccount",
      );
      await bridge.connect(admin).unpause(Direction.Inbound);
      await expect(bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, transfer.amount, sigs)).to.emit(
        bridge,
        "TransferDelivered",
      );
    });
  });

  describe("inbound limit and queue", function () {
    it("queues an over-limit transfer, then anyone releases it once capacity returns", async function () {
      const { bridge, token, attesters, admin, relayer } = await loadFixture(deployBridge);
      await bridge.connect(admin).setRemoteChainLimits(BNB, OUT_CAP, 10n * ONE);
      const recipient = "0x00000000000000000000000000000000000000d0";
      const first: Inbound = { sourceChain: BNB, sequence: 1n, recipient, amount: 6n * ONE };
      const second: Inbound = { sourceChain: BNB, sequence: 2n, recipient, amount: 6n * ONE };
      await bridge.deliver(
        BNB,
        src(BNB),
        1n,
        recipient,
        first.amount,
        await attest(bridge, first, attesters.slice(0, 3)),
      );
      const sigs = await attest(bridge, second, attesters.slice(0, 3));
      expect(await bridge.deliver.staticCall(BNB, src(BNB), 2n, recipient, second.amount, sigs)).to.equal(
        DeliveryStatus.Queued,
      );
      const id = transferId(BNB, src(BNB), LOCAL, 2n);
      await expect(bridge.deliver(BNB, src(BNB), 2n, recipient, second.amount, sigs))
        .to.emit(bridge, "TransferQueued")
        .withArgs(id, BNB, 2n, recipient, second.amount);
      expect(await token.balanceOf(recipient)).to.equal(6n * ONE);
      expect(await bridge.netBridgedIn(BNB)).to.equal(6n * ONE);
      expect(await bridge.isDelivered(BNB, src(BNB), 2n)).to.equal(true);
      const queued = await bridge.queuedTransfer(id);
      expect(queued.recipient).to.equal(recipient);
      expect(queued.amount).to.equal(second.amount);
      expect(queued.sourceChain).to.equal(BNB);
      expect(queued.sequence).to.equal(2n);
      // Re-delivering the queued transfer does not queue or mint it again.
      expect(await bridge.deliver.staticCall(BNB, src(BNB), 2n, recipient, second.amount, sigs)).to.equal(
        DeliveryStatus.AlreadyDelivered,
      );

      // It waits one window first (the guardian's time to hold it)...
      await expect(bridge.connect(relayer).releaseQueued(id))
        .to.be.revertedWithCustomError(bridge, "QueuedTransferNotReady")
        .withArgs(id, queued.queuedAt + WINDOW);
      await time.increaseTo(queued.queuedAt + WINDOW);
      // ... and then for capacity: a third transfer takes the whole refilled limit first.
      const third: Inbound = { sourceChain: BNB, sequence: 3n, recipient, amount: 10n * ONE };
      await bridge.deliver(BNB, src(BNB), 3n, recipient, third.amount, await attest(bridge, third, attesters));
      await expect(bridge.connect(relayer).releaseQueued(id)).to.be.revertedWithCustomError(
        bridge,
        "InboundLimitExceeded",
      );
      await time.increase(WINDOW);
      await expect(bridge.connect(relayer).releaseQueued(id))
        .to.emit(bridge, "QueuedTransferReleased")
        .withArgs(id, recipient, second.amount);
      expect(await token.balanceOf(recipient)).to.equal(22n * ONE);
      expect(await bridge.netBridgedIn(BNB)).to.equal(22n * ONE);
      expect((await bridge.queuedTransfer(id)).amount).to.equal(0n);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "NotQueued").withArgs(id);
    });

    it("queues a transfer above the whole capacity until the admin raises it, and holds releases while paused", async function () {
      const { bridge, token, attesters, admin, guardian } = await loadFixture(deployBridge);
      await bridge.connect(admin).setRemoteChainLimits(HUB, OUT_CAP, ONE);
      const transfer: Inbound = {
        sourceChain: HUB,
        sequence: 9n,
        recipient: admin.address,
        amount: 5n * ONE,
      };
      await bridge.deliver(
        HUB,
        src(HUB),
        9n,
        admin.address,
        transfer.amount,
        await attest(bridge, transfer, attesters.slice(2)),
      );
      const id = transferId(HUB, src(HUB), LOCAL, 9n);
      await time.increase(WINDOW * 2n);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "InboundLimitExceeded");
      await bridge.connect(admin).setRemoteChainLimits(HUB, OUT_CAP, 10n * ONE);
      await bridge.connect(guardian).pause(Direction.Inbound);
      await expect(bridge.releaseQueued(id)).to.be.revertedWithCustomError(bridge, "DirectionIsPaused");
      await bridge.connect(admin).unpause(Direction.Inbound);
      await bridge.releaseQueued(id);
      expect(await token.balanceOf(admin.address)).to.equal(transfer.amount);
    });
  });

  describe("attester set rotation", function () {
    it("rotates by the current threshold; the retired set's signatures are worthless", async function () {
      const { bridge, attesters } = await loadFixture(deployBridge);
      const next = makeAttesters(5);
      const domain = {
        name: "AlloraBridge",
        version: "1",
        chainId: LOCAL,
        verifyingContract: await bridge.getAddress(),
      };
      const types = {
        AttesterSetRotation: [
          { name: "currentSetId", type: "uint64" },
          { name: "newSetId", type: "uint64" },
          { name: "signers", type: "address[]" },
          { name: "threshold", type: "uint8" },
        ],
      };
      const message = { currentSetId: 1n, newSetId: 2n, signers: next.map((a) => a.address), threshold: 3 };
      const digest = ethers.TypedDataEncoder.hash(domain, types, message);
      const sigs = concat(attesters.slice(0, 3).map((a) => a.signingKey.sign(digest).serialized));
      await expect(bridge.rotateAttesterSet(1n, message.signers, 3, sigs)).to.be.revertedWithCustomError(
        bridge,
        "AttesterSetIdNotIncreasing",
      );
      await expect(bridge.rotateAttesterSet(2n, message.signers, 3, sigs))
        .to.emit(bridge, "AttesterSetRotated")
        .withArgs(1n, 2n, message.signers, 3);
      expect(await bridge.attesterSetId()).to.equal(2n);

      const transfer: Inbound = {
        sourceChain: HUB,
        sequence: 1n,
        recipient: attesters[0].address,
        amount: ONE,
      };
      // Old set signing the old set id, and the old set signing the new set id: both refused.
      const oldSigs = await attest(bridge, transfer, attesters.slice(0, 3), 1n);
      await expect(bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, ONE, oldSigs)).to.be.revertedWithCustomError(
        bridge,
        "UnknownSigner",
      );
      const oldSigsNewId = await attest(bridge, transfer, attesters.slice(0, 3), 2n);
      await expect(
        bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, ONE, oldSigsNewId),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
      // The new set signing the retired set id: the digest differs, so it is refused too.
      const newSigsOldId = await attest(bridge, transfer, next.slice(0, 3), 1n);
      await expect(
        bridge.deliver(HUB, src(HUB), 1n, transfer.recipient, ONE, newSigsOldId),
      ).to.be.revertedWithCustomError(bridge, "UnknownSigner");
      await expect(
        bridge.deliver(
          HUB,
          src(HUB),
          1n,
          transfer.recipient,
          ONE,
          await attest(bridge, transfer, next.slice(0, 3), 2n),
        ),
      ).to.emit(bridge, "TransferDelivered");
    });
  });

  describe("administration", function () {
    it("lets only the admin configure chains and limits, and rejects invalid chains", async function () {
      const { bridge, alice, admin, guardian } = await loadFixture(deployBridge);
      for (const caller of [alice, guardian]) {
        await expect(
          bridge.connect(caller).setRemoteChainEnabled(1n, true, true),
        ).to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount");
        await expect(bridge.connect(caller).setRemoteChainLimits(1n, 1n, 1n)).to.be.revertedWithCustomError(
          bridge,
          "AccessControlUnauthorizedAccount",
        );
        await expect(bridge.connect(caller).withdrawFees(caller.address)).to.be.revertedWithCustomError(
          bridge,
          "AccessControlUnauthorizedAccount",
        );
      }
      await expect(bridge.connect(admin).setRemoteChainEnabled(0n, true, true))
        .to.be.revertedWithCustomError(bridge, "InvalidRemoteChain")
        .withArgs(0n);
      await expect(bridge.connect(admin).setRemoteChainLimits(LOCAL, 1n, 1n))
        .to.be.revertedWithCustomError(bridge, "InvalidRemoteChain")
        .withArgs(LOCAL);
      await expect(bridge.connect(admin).setRemoteChainEnabled(1n, true, false))
        .to.emit(bridge, "RemoteChainEnabled")
        .withArgs(1n, true, false);
      await expect(bridge.connect(admin).setRemoteChainLimits(1n, 5n, 6n))
        .to.emit(bridge, "RemoteChainLimitsSet")
        .withArgs(1n, 5n, 6n);
      const view = await bridge.remoteChain(1n);
      expect(view.outboundEnabled).to.equal(true);
      expect(view.inboundEnabled).to.equal(false);
      const [outCap, outAvail, inCap, inAvail] = await bridge.limits(1n);
      expect([outCap, outAvail, inCap, inAvail]).to.deep.equal([5n, 5n, 6n, 6n]);
      await expect(
        bridge.connect(admin).setRemoteChainLimits(1n, 2n ** 112n, 1n),
      ).to.be.revertedWithCustomError(bridge, "CapacityTooLarge");
    });

    it("caps the registry of remote chains", async function () {
      const { bridge, admin } = await loadFixture(deployBridge);
      const max = await bridge.MAX_REMOTE_CHAINS();
      // The documented cap (docs/contracts.md): pause() walks every registered chain, so the cap bounds its gas.
      expect(max).to.equal(32n);
      const existing = BigInt((await bridge.remoteChains()).length);
      for (let i = 0n; i < max - existing; i++)
        await bridge.connect(admin).setRemoteChainEnabled(1000n + i, true, true);
      await expect(bridge.connect(admin).setRemoteChainEnabled(5000n, true, true))
        .to.be.revertedWithCustomError(bridge, "TooManyRemoteChains")
        .withArgs(max);
      // Re-configuring a registered chain still works.
      await bridge.connect(admin).setRemoteChainEnabled(1000n, false, false);
    });

    it("pauses: only guardian or admin; a chain registered while paused starts paused", async function () {
      const { bridge, alice, admin, guardian } = await loadFixture(deployBridge);
      await expect(bridge.connect(alice).pause(Direction.Outbound)).to.be.revertedWithCustomError(
        bridge,
        "AccessControlUnauthorizedAccount",
      );
      await bridge.connect(admin).pause(Direction.Outbound);
      await bridge.connect(admin).setRemoteChainEnabled(77n, true, true);
      let view = await bridge.remoteChain(77n);
      expect(view.outboundPaused).to.equal(true);
      expect(view.inboundPaused).to.equal(false);
      expect((await bridge.remoteChain(BNB)).outboundPaused).to.equal(true);
      await bridge.connect(guardian).pause(Direction.Inbound);
      await bridge.connect(admin).unpause(Direction.Outbound);
      view = await bridge.remoteChain(77n);
      expect(view.outboundPaused).to.equal(false);
      expect(view.inboundPaused).to.equal(true);
    });

    it("withdraws relayer fees to the admin's choice", async function () {
      const { bridge, alice, admin, bob } = await loadFixture(deployBridge);
      await bridge.connect(alice).sendToHub(hubAccount(), ONE, { value: 1000n });
      await bridge.connect(alice).sendToChain(BNB, alice.address, ONE, { value: 500n });
      const tx = bridge.connect(admin).withdrawFees(bob.address);
      await expect(tx).to.emit(bridge, "FeesWithdrawn").withArgs(bob.address, 1500n);
      await expect(tx).to.changeEtherBalance(bob, 1500n);
      await expect(bridge.connect(admin).withdrawFees(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        bridge,
        "ZeroRecipient",
      );
      const rejecter = await ethers.deployContract("BridgeRejectEther");
      await bridge.connect(alice).sendToHub(hubAccount(), ONE, { value: 1n });
      await expect(bridge.connect(admin).withdrawFees(await rejecter.getAddress()))
        .to.be.revertedWithCustomError(bridge, "FeeTransferFailed")
        .withArgs(await rejecter.getAddress(), 1n);
    });
  });
});
