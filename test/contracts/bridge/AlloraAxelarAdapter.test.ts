/**
 * The Axelar adapter against Axelar's own gateway and gas service (npm packages), two simulated chains on
 * one node: "ethereum" (chain 1) and "base" (chain 8453), each with its gateway, gas service, AlloToken and
 * adapter. Messages are approved on the destination gateway by a test signer set (see ./axelar.ts); every
 * case runs on both of Axelar's EVM gateways.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { EVM_CHAINS } from "../../../lib/chains";
import { commandIdOf, contractCallOf, deployLocalAxelar, type GatewayKind } from "./axelar";

const ONE = 10n ** 18n;
const ETH = { id: BigInt(EVM_CHAINS.ethereum.chainId), axelar: EVM_CHAINS.ethereum.axelarName };
const BASE = { id: BigInt(EVM_CHAINS.base.chainId), axelar: EVM_CHAINS.base.axelarName };

async function deployTwoChains(kind: GatewayKind) {
  const [admin, guardian, alice, bob, relayer] = await ethers.getSigners();
  const deploySide = async (label: string) => {
    const axelar = await deployLocalAxelar(label, kind);
    const token = await ethers.deployContract("AlloToken", [admin.address]);
    const adapter = await ethers.deployContract("AlloraAxelarAdapter", [
      await axelar.gateway.getAddress(),
      await axelar.gasService.getAddress(),
      await token.getAddress(),
      admin.address,
      guardian.address,
    ]);
    await token.setBridgeLimits(await adapter.getAddress(), 1_000n * ONE, 1_000n * ONE);
    return { axelar, token, adapter };
  };
  const eth = await deploySide("ethereum");
  const base = await deploySide("base");
  await eth.adapter.setRemote(BASE.id, BASE.axelar, await base.adapter.getAddress());
  await base.adapter.setRemote(ETH.id, ETH.axelar, await eth.adapter.getAddress());
  // Fund alice on "ethereum" through a second registered bridge (the admin).
  await eth.token.setBridgeLimits(admin.address, 1_000n * ONE, 1_000n * ONE);
  await eth.token.crosschainMint(alice.address, 100n * ONE);
  return { admin, guardian, alice, bob, relayer, eth, base };
}

// Ethereum, BNB Smart Chain and Base use the consensus gateway today; Amplifier chains use the other one.
for (const kind of ["consensus", "amplifier"] as const) {
  describe(`AlloraAxelarAdapter (Axelar GMP transport, ${kind} gateway)`, function () {
    const twoChains = { [kind]: () => deployTwoChains(kind) }[kind];
    it("burns, pays the gas service and calls the gateway; the approved message mints once on the other side", async function () {
      const { alice, bob, relayer, eth, base } = await loadFixture(twoChains);
      const amount = 10n * ONE;
      const gas = 12345n;
      const tx = eth.adapter.connect(alice).send(BASE.id, bob.address, amount, { value: gas });
      await expect(tx)
        .to.emit(eth.adapter, "AxelarTransferSent")
        .withArgs(BASE.id, alice.address, bob.address, amount, gas)
        .and.to.emit(eth.axelar.gasService, "NativeGasPaidForContractCall");
      await expect(tx).to.changeEtherBalance(eth.axelar.gasService, gas);
      expect(await eth.token.balanceOf(alice.address)).to.equal(90n * ONE);

      const receipt = (await (await tx).wait())!;
      const call = contractCallOf(receipt, eth.axelar.gateway, ETH.axelar);
      expect(call.destinationChain).to.equal("base");
      expect(ethers.getAddress(call.destinationAddress)).to.equal(await base.adapter.getAddress());
      expect(call.payload).to.equal(
        AbiCoder.defaultAbiCoder().encode(
          ["address", "address", "uint256"],
          [alice.address, bob.address, amount],
        ),
      );

      const message = { ...call.message, contractAddress: await base.adapter.getAddress() };
      const commandId = commandIdOf(message);
      // Not approved yet: the adapter refuses.
      await expect(
        base.adapter.execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
      ).to.be.revertedWithCustomError(base.adapter, "NotApprovedByGateway");

      await base.axelar.approve([message]);
      await expect(
        base.adapter
          .connect(relayer)
          .execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
      )
        .to.emit(base.adapter, "AxelarTransferReceived")
        .withArgs(commandId, ETH.id, bob.address, alice.address, amount);
      expect(await base.token.balanceOf(bob.address)).to.equal(amount);
      // The gateway consumed the approval: a replay is refused.
      await expect(
        base.adapter.execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
      ).to.be.revertedWithCustomError(base.adapter, "NotApprovedByGateway");
      expect(await base.token.totalSupply()).to.equal(amount);
      expect(await base.adapter.netBridgedIn(ETH.id)).to.equal(amount);
      expect(await eth.adapter.netBridgedIn(BASE.id)).to.equal(-amount);
    });

    it("refuses a message approved by the gateway but sent from an unregistered source", async function () {
      const { alice, bob, eth, base } = await loadFixture(twoChains);
      const payload = AbiCoder.defaultAbiCoder().encode(
        ["address", "address", "uint256"],
        [alice.address, bob.address, ONE],
      );
      const contractAddress = await base.adapter.getAddress();
      const cases = [
        { sourceChain: ETH.axelar, sourceAddress: alice.address }, // right chain, wrong contract
        { sourceChain: "binance", sourceAddress: await eth.adapter.getAddress() }, // right contract, unregistered chain
        { sourceChain: ETH.axelar, sourceAddress: "0x1234" }, // not an address at all
        // Chain names are matched exactly: Axelar delivers Ethereum's as "Ethereum", and nothing else is it.
        { sourceChain: ETH.axelar.toLowerCase(), sourceAddress: await eth.adapter.getAddress() },
      ];
      for (const [i, c] of cases.entries()) {
        const message = {
          ...c,
          messageId: `forged-${i}`,
          contractAddress,
          payloadHash: ethers.keccak256(payload),
        };
        await base.axelar.approve([message]);
        const commandId = commandIdOf(message);
        await expect(base.adapter.execute(commandId, c.sourceChain, c.sourceAddress, payload))
          .to.be.revertedWithCustomError(base.adapter, "UntrustedSource")
          .withArgs(c.sourceChain, c.sourceAddress);
      }
      // A lower-case rendering of the registered adapter is the same address and is trusted.
      const lower = (await eth.adapter.getAddress()).toLowerCase();
      const message = {
        sourceChain: ETH.axelar,
        sourceAddress: lower,
        messageId: "lower",
        contractAddress,
        payloadHash: ethers.keccak256(payload),
      };
      await base.axelar.approve([message]);
      const commandId = commandIdOf(message);
      await expect(base.adapter.execute(commandId, ETH.axelar, lower, payload)).to.emit(
        base.adapter,
        "AxelarTransferReceived",
      );
    });

    it("rejects malformed payloads, zero amounts and recipients from a trusted source", async function () {
      const { alice, bob, eth, base } = await loadFixture(twoChains);
      const coder = AbiCoder.defaultAbiCoder();
      const source = await eth.adapter.getAddress();
      const contractAddress = await base.adapter.getAddress();
      const cases: [string, string][] = [
        [coder.encode(["address", "address"], [alice.address, bob.address]), "MalformedPayload"],
        [coder.encode(["address", "address", "uint256"], [alice.address, bob.address, 0n]), "ZeroAmount"],
        [
          coder.encode(["address", "address", "uint256"], [alice.address, ethers.ZeroAddress, ONE]),
          "ZeroRecipient",
        ],
      ];
      for (const [i, [payload, error]] of cases.entries()) {
        const message = {
          sourceChain: ETH.axelar,
          sourceAddress: source,
          messageId: `m${i}`,
          contractAddress,
          payloadHash: ethers.keccak256(payload),
        };
        await base.axelar.approve([message]);
        const commandId = commandIdOf(message);
        await expect(
          base.adapter.execute(commandId, ETH.axelar, source, payload),
        ).to.be.revertedWithCustomError(base.adapter, error);
      }
    });

    it("checks sends: amount, recipient, gas payment, known destination, token limits", async function () {
      const { alice, bob, eth, admin } = await loadFixture(twoChains);
      await expect(
        eth.adapter.connect(alice).send(BASE.id, bob.address, 0n, { value: 1n }),
      ).to.be.revertedWithCustomError(eth.adapter, "ZeroAmount");
      await expect(
        eth.adapter.connect(alice).send(BASE.id, ethers.ZeroAddress, ONE, { value: 1n }),
      ).to.be.revertedWithCustomError(eth.adapter, "ZeroRecipient");
      await expect(eth.adapter.connect(alice).send(BASE.id, bob.address, ONE)).to.be.revertedWithCustomError(
        eth.adapter,
        "NoGasPayment",
      );
      await expect(eth.adapter.connect(alice).send(56n, bob.address, ONE, { value: 1n }))
        .to.be.revertedWithCustomError(eth.adapter, "UnknownDestination")
        .withArgs(56n);
      await eth.token.connect(admin).setBridgeLimits(await eth.adapter.getAddress(), ONE, ONE);
      await expect(
        eth.adapter.connect(alice).send(BASE.id, bob.address, 2n * ONE, { value: 1n }),
      ).to.be.revertedWithCustomError(eth.token, "BurningLimitExceeded");
    });

    it("pauses both directions (guardian), unpauses (admin only)", async function () {
      const { alice, bob, guardian, admin, eth, base } = await loadFixture(twoChains);
      const tx = await eth.adapter.connect(alice).send(BASE.id, bob.address, ONE, { value: 1n });
      const call = contractCallOf((await tx.wait())!, eth.axelar.gateway, ETH.axelar);
      const message = { ...call.message, contractAddress: await base.adapter.getAddress() };
      await base.axelar.approve([message]);
      const commandId = commandIdOf(message);

      await expect(base.adapter.connect(alice).pause()).to.be.revertedWithCustomError(
        base.adapter,
        "AccessControlUnauthorizedAccount",
      );
      await expect(base.adapter.connect(guardian).pause())
        .to.emit(base.adapter, "AdapterPaused")
        .withArgs(true, guardian.address);
      await expect(
        base.adapter.execute(commandId, message.sourceChain, message.sourceAddress, call.payload),
      ).to.be.revertedWithCustomError(base.adapter, "EnforcedPause");
      await eth.adapter.connect(admin).pause();
      await expect(
        eth.adapter.connect(alice).send(BASE.id, bob.address, ONE, { value: 1n }),
      ).to.be.revertedWithCustomError(eth.adapter, "EnforcedPause");
      await expect(base.adapter.connect(guardian).unpause()).to.be.revertedWithCustomError(
        base.adapter,
        "AccessControlUnauthorizedAccount",
      );
      await base.adapter.connect(admin).unpause();
      // The approval survived the pause (the reverted execute consumed nothing).
      await base.adapter.execute(commandId, message.sourceChain, message.sourceAddress, call.payload);
      expect(await base.token.balanceOf(bob.address)).to.equal(ONE);
    });

    it("registers and removes remotes (admin only), mapping Axelar names to chain ids", async function () {
      const { alice, eth, base } = await loadFixture(twoChains);
      expect(await eth.adapter.chainOfAxelarName("base")).to.equal(BASE.id);
      const r = await eth.adapter.remote(BASE.id);
      expect(r.axelarChain).to.equal("base");
      expect(r.adapter).to.equal(await base.adapter.getAddress());
      expect(await eth.adapter.token()).to.equal(await eth.token.getAddress());
      expect(await eth.adapter.gasService()).to.equal(await eth.axelar.gasService.getAddress());
      await expect(
        eth.adapter.connect(alice).setRemote(56n, "binance", alice.address),
      ).to.be.revertedWithCustomError(eth.adapter, "AccessControlUnauthorizedAccount");
      await expect(eth.adapter.setRemote(0n, "x", alice.address)).to.be.revertedWithCustomError(
        eth.adapter,
        "InvalidRemote",
      );
      await expect(eth.adapter.setRemote(31337n, "x", alice.address)).to.be.revertedWithCustomError(
        eth.adapter,
        "InvalidRemote",
      );
      await expect(eth.adapter.setRemote(56n, "", alice.address)).to.be.revertedWithCustomError(
        eth.adapter,
        "InvalidRemote",
      );
      await expect(eth.adapter.setRemote(BASE.id, "base", ethers.ZeroAddress))
        .to.emit(eth.adapter, "RemoteAdapterSet")
        .withArgs(BASE.id, "base", ethers.ZeroAddress);
      expect(await eth.adapter.chainOfAxelarName("base")).to.equal(0n);
      expect((await eth.adapter.remote(BASE.id)).adapter).to.equal(ethers.ZeroAddress);
    });

    it("rejects a zero gateway, gas service, token or admin", async function () {
      const [admin] = await ethers.getSigners();
      const F = await ethers.getContractFactory("AlloraAxelarAdapter");
      const a = admin.address;
      await expect(F.deploy(ethers.ZeroAddress, a, a, a, a)).to.be.revertedWithCustomError(
        F,
        "InvalidAddress",
      );
      await expect(F.deploy(a, ethers.ZeroAddress, a, a, a)).to.be.revertedWithCustomError(
        F,
        "ZeroRecipient",
      );
      await expect(F.deploy(a, a, ethers.ZeroAddress, a, a)).to.be.revertedWithCustomError(
        F,
        "ZeroRecipient",
      );
      // AccessControlDefaultAdminRules refuses a zero first admin itself.
      await expect(F.deploy(a, a, a, ethers.ZeroAddress, a))
        .to.be.revertedWithCustomError(F, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
      // No guardian: only the admin can pause.
      const unguarded = await F.deploy(a, a, a, a, ethers.ZeroAddress);
      expect(await unguarded.hasRole(await unguarded.GUARDIAN_ROLE(), ethers.ZeroAddress)).to.equal(false);
      await unguarded.pause();
      expect(await unguarded.paused()).to.equal(true);
    });

    it("refuses a second chain id under an Axelar name already registered (two chains, one name)", async function () {
      const { alice, eth, base } = await loadFixture(twoChains);
      const baseAdapter = await base.adapter.getAddress();
      // "base" belongs to BASE.id; registering chain 56 under it is refused, and BASE.id keeps it.
      await expect(eth.adapter.setRemote(56n, BASE.axelar, alice.address))
        .to.be.revertedWithCustomError(eth.adapter, "AxelarNameTaken")
        .withArgs(BASE.axelar, BASE.id);
      expect(await eth.adapter.chainOfAxelarName(BASE.axelar)).to.equal(BASE.id);
      expect((await eth.adapter.remote(56n)).adapter).to.equal(ethers.ZeroAddress);
      // Re-pointing the owner under the same name is fine, and so is moving the name once it is released.
      await eth.adapter.setRemote(BASE.id, BASE.axelar, alice.address);
      await eth.adapter.setRemote(BASE.id, BASE.axelar, baseAdapter);
      expect(await eth.adapter.chainOfAxelarName(BASE.axelar)).to.equal(BASE.id);
      await eth.adapter.setRemote(BASE.id, BASE.axelar, ethers.ZeroAddress);
      await eth.adapter.setRemote(56n, BASE.axelar, alice.address);
      expect(await eth.adapter.chainOfAxelarName(BASE.axelar)).to.equal(56n);
    });
  });
}
