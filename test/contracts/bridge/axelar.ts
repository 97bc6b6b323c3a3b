/**
 * Test-only Axelar on a local chain: Axelar's own AxelarAmplifierGateway (behind its proxy) and
 * AxelarGasService (behind the SDK's Proxy), from their npm packages. A test signer set stands in for
 * Axelar's verifiers: it signs `approveMessages` proofs exactly as the gateway verifies them
 * (BaseWeightedMultisig: eth-signed hash of domain separator, signers hash and data hash).
 */
import { ethers } from "hardhat";
import { AbiCoder, Wallet, concat, keccak256, toUtf8Bytes } from "ethers";
import type { ContractTransactionReceipt } from "ethers";
import type { AxelarAmplifierGateway, AxelarGasService } from "../../../typechain-types";

const abi = AbiCoder.defaultAbiCoder();
const WEIGHTED_SIGNERS =
  "tuple(tuple(address signer,uint128 weight)[] signers,uint128 threshold,bytes32 nonce)";
const MESSAGES =
  "tuple(string sourceChain,string messageId,string sourceAddress,address contractAddress,bytes32 payloadHash)[]";
/** CommandType.ApproveMessages in AmplifierGatewayTypes.sol. */
const APPROVE_MESSAGES = 0;

export interface AxelarMessage {
  sourceChain: string;
  messageId: string;
  sourceAddress: string;
  contractAddress: string;
  payloadHash: string;
}

export interface LocalAxelar {
  gateway: AxelarAmplifierGateway;
  gasService: AxelarGasService;
  gasCollector: string;
  /** Signs and submits approveMessages for `messages` with the test verifier set. */
  approve(messages: AxelarMessage[]): Promise<void>;
}

/** Deploys a gateway (3-of-4 equal-weight test verifiers) and a gas service on the current chain. */
export async function deployLocalAxelar(label: string): Promise<LocalAxelar> {
  const [owner] = await ethers.getSigners();
  const verifiers = Array.from({ length: 4 }, () => Wallet.createRandom()).sort((a, b) =>
    BigInt(a.address) < BigInt(b.address) ? -1 : 1,
  );
  const signers = {
    signers: verifiers.map((v) => ({ signer: v.address, weight: 1n })),
    threshold: 3n,
    nonce: keccak256(toUtf8Bytes(`test verifiers ${label}`)),
  };
  const domainSeparator = keccak256(toUtf8Bytes(`allora-test-axelar-${label}`));
  const implementation = await ethers.deployContract("AxelarAmplifierGateway", [0, domainSeparator, 0]);
  const setup = abi.encode(["address", `${WEIGHTED_SIGNERS}[]`], [owner.address, [signers]]);
  const proxy = await ethers.deployContract("AxelarAmplifierGatewayProxy", [
    await implementation.getAddress(),
    owner.address,
    setup,
  ]);
  const gateway = await ethers.getContractAt("AxelarAmplifierGateway", await proxy.getAddress());

  const gasCollector = Wallet.createRandom().address;
  const gasImplementation = await ethers.deployContract("AxelarGasService", [gasCollector]);
  const gasProxy = await ethers.deployContract(
    "@axelar-network/axelar-gmp-sdk-solidity/contracts/upgradable/Proxy.sol:Proxy",
    [await gasImplementation.getAddress(), owner.address, "0x"],
  );
  const gasService = await ethers.getContractAt("AxelarGasService", await gasProxy.getAddress());

  const signersHash = keccak256(abi.encode([WEIGHTED_SIGNERS], [signers]));
  return {
    gateway,
    gasService,
    gasCollector,
    async approve(messages) {
      const dataHash = keccak256(abi.encode(["uint8", MESSAGES], [APPROVE_MESSAGES, messages]));
      const toSign = keccak256(
        concat([toUtf8Bytes("\x19Ethereum Signed Message:\n96"), domainSeparator, signersHash, dataHash]),
      );
      const signatures = verifiers.slice(0, 3).map((v) => v.signingKey.sign(toSign).serialized);
      await (await gateway.approveMessages(messages, { signers, signatures })).wait();
    },
  };
}

/** The GMP call a transaction made through `gateway` (the ContractCall event), as a message to approve elsewhere. */
export function contractCallOf(
  receipt: ContractTransactionReceipt,
  gateway: LocalAxelar["gateway"],
  sourceChain: string,
): {
  message: Omit<AxelarMessage, "contractAddress">;
  destinationChain: string;
  destinationAddress: string;
  payload: string;
} {
  const gatewayAddress = (gateway.target as string).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== gatewayAddress) continue;
    const parsed = gateway.interface.parseLog(log);
    if (parsed?.name !== "ContractCall") continue;
    return {
      message: {
        sourceChain,
        messageId: `${receipt.hash}-${log.index}`,
        sourceAddress: parsed.args.sender as string,
        payloadHash: parsed.args.payloadHash as string,
      },
      destinationChain: parsed.args.destinationChain as string,
      destinationAddress: parsed.args.destinationContractAddress as string,
      payload: parsed.args.payload as string,
    };
  }
  throw new Error("the transaction made no ContractCall on the gateway");
}
