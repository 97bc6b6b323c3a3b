/**
 * Test-only Axelar on a local chain, deployed from the build artifacts that Axelar publishes in its npm
 * packages (their own compiler output, not recompiled here), in either of Axelar's two EVM gateway kinds:
 * - "consensus": AxelarGateway + AxelarGatewayProxy + AxelarAuthWeighted + TokenDeployer from
 *   @axelar-network/axelar-cgp-solidity, the gateway that Ethereum, BNB Smart Chain and Base use today
 *   (chains connected to Axelar's consensus validators). A test operator set stands in for the validators:
 *   it signs `execute` batches of `approveContractCall` commands as AxelarAuthWeighted verifies them
 *   (eth-signed keccak256 of the command data).
 * - "amplifier": AxelarAmplifierGateway + AxelarAmplifierGatewayProxy from
 *   @axelar-network/axelar-gmp-sdk-solidity (chains connected through Axelar Amplifier). A test verifier set
 *   signs `approveMessages` proofs as BaseWeightedMultisig verifies them.
 * Both with AxelarGasService + AxelarGasServiceProxy from @axelar-network/axelar-cgp-solidity.
 */
import { ethers } from "hardhat";
import {
  AbiCoder,
  Contract,
  ContractFactory,
  Wallet,
  concat,
  getBytes,
  hashMessage,
  keccak256,
  toUtf8Bytes,
} from "ethers";
import type { ContractTransactionReceipt, InterfaceAbi } from "ethers";

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

/** A Hardhat artifact shipped inside an Axelar npm package. */
function axelarArtifact(
  pkg: "axelar-gmp-sdk-solidity" | "axelar-cgp-solidity",
  source: string,
  name: string,
): Artifact {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@axelar-network/${pkg}/artifacts/contracts/${source}/${name}.json`) as Artifact;
}

const GATEWAY = axelarArtifact(
  "axelar-gmp-sdk-solidity",
  "gateway/AxelarAmplifierGateway.sol",
  "AxelarAmplifierGateway",
);
const GATEWAY_PROXY = axelarArtifact(
  "axelar-gmp-sdk-solidity",
  "gateway/AxelarAmplifierGatewayProxy.sol",
  "AxelarAmplifierGatewayProxy",
);
const LEGACY_GATEWAY = axelarArtifact("axelar-cgp-solidity", "AxelarGateway.sol", "AxelarGateway");
const LEGACY_GATEWAY_PROXY = axelarArtifact(
  "axelar-cgp-solidity",
  "AxelarGatewayProxy.sol",
  "AxelarGatewayProxy",
);
const LEGACY_AUTH = axelarArtifact(
  "axelar-cgp-solidity",
  "auth/AxelarAuthWeighted.sol",
  "AxelarAuthWeighted",
);
const TOKEN_DEPLOYER = axelarArtifact("axelar-cgp-solidity", "TokenDeployer.sol", "TokenDeployer");
const GAS_SERVICE = axelarArtifact(
  "axelar-cgp-solidity",
  "gas-service/AxelarGasService.sol",
  "AxelarGasService",
);
const GAS_SERVICE_PROXY = axelarArtifact(
  "axelar-cgp-solidity",
  "gas-service/AxelarGasServiceProxy.sol",
  "AxelarGasServiceProxy",
);

async function deployArtifact(artifact: Artifact, args: unknown[]): Promise<Contract> {
  const [deployer] = await ethers.getSigners();
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

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

export type GatewayKind = "consensus" | "amplifier";

/** The command id under which the destination gateway approves `message` (unique per source chain and id). */
export function commandIdOf(message: Pick<AxelarMessage, "sourceChain" | "messageId">): string {
  return keccak256(toUtf8Bytes(`${message.sourceChain}_${message.messageId}`));
}

export interface LocalAxelar {
  kind: GatewayKind;
  /** AxelarAmplifierGateway (through its proxy). */
  gateway: Contract;
  /** AxelarGasService (through its proxy). */
  gasService: Contract;
  /** Approves `messages` on the gateway, signed by the test signer set, under {@link commandIdOf} ids. */
  approve(messages: AxelarMessage[]): Promise<void>;
}

/** Deploys a gateway (3-of-4 equal-weight test signers) and a gas service on the current chain. */
export async function deployLocalAxelar(
  label: string,
  kind: GatewayKind = "consensus",
): Promise<LocalAxelar> {
  const gasService = await deployGasService();
  return kind === "consensus"
    ? deployConsensusGateway(gasService)
    : deployAmplifierGateway(label, gasService);
}

async function deployGasService(): Promise<Contract> {
  const [owner] = await ethers.getSigners();
  const gasCollector = Wallet.createRandom().address;
  const implementation = await deployArtifact(GAS_SERVICE, [gasCollector]);
  const proxy = await deployArtifact(GAS_SERVICE_PROXY, []);
  await (await proxy.getFunction("init")(await implementation.getAddress(), owner.address, "0x")).wait();
  return new Contract(await proxy.getAddress(), GAS_SERVICE.abi, owner);
}

/** Equal-weight test signers, ascending by address. */
function testSigners(n: number): Wallet[] {
  return Array.from({ length: n }, () => Wallet.createRandom() as unknown as Wallet).sort((a, b) =>
    BigInt(a.address) < BigInt(b.address) ? -1 : 1,
  );
}

async function deployConsensusGateway(gasService: Contract): Promise<LocalAxelar> {
  const [owner] = await ethers.getSigners();
  const operators = testSigners(4);
  const addresses = operators.map((o) => o.address);
  const weights = operators.map(() => 1n);
  const threshold = 3n;
  const operatorSet = abi.encode(["address[]", "uint256[]", "uint256"], [addresses, weights, threshold]);
  const auth = await deployArtifact(LEGACY_AUTH, [[operatorSet]]);
  const tokenDeployer = await deployArtifact(TOKEN_DEPLOYER, []);
  const implementation = await deployArtifact(LEGACY_GATEWAY, [
    await auth.getAddress(),
    await tokenDeployer.getAddress(),
  ]);
  const setup = abi.encode(["address", "address", "bytes"], [owner.address, owner.address, "0x"]);
  const proxy = await deployArtifact(LEGACY_GATEWAY_PROXY, [await implementation.getAddress(), setup]);
  await (await auth.getFunction("transferOwnership")(await proxy.getAddress())).wait();
  const gateway = new Contract(await proxy.getAddress(), LEGACY_GATEWAY.abi, owner);
  const { chainId } = await ethers.provider.getNetwork();
  return {
    kind: "consensus",
    gateway,
    gasService,
    async approve(messages) {
      const params = messages.map((m, i) =>
        abi.encode(
          ["string", "string", "address", "bytes32", "bytes32", "uint256"],
          [
            m.sourceChain,
            m.sourceAddress,
            m.contractAddress,
            m.payloadHash,
            keccak256(toUtf8Bytes(m.messageId)),
            i,
          ],
        ),
      );
      const data = abi.encode(
        ["uint256", "bytes32[]", "string[]", "bytes[]"],
        [chainId, messages.map(commandIdOf), messages.map(() => "approveContractCall"), params],
      );
      const hash = hashMessage(getBytes(keccak256(data)));
      const signatures = operators.slice(0, 3).map((o) => o.signingKey.sign(hash).serialized);
      const proof = abi.encode(
        ["address[]", "uint256[]", "uint256", "bytes[]"],
        [addresses, weights, threshold, signatures],
      );
      const receipt = await (
        await gateway.getFunction("execute")(abi.encode(["bytes", "bytes"], [data, proof]))
      ).wait();
      const executed = receipt!.logs.filter(
        (l: { topics: readonly string[] }) =>
          l.topics[0] === gateway.interface.getEvent("Executed")!.topicHash,
      );
      if (executed.length !== messages.length)
        throw new Error(`gateway executed ${executed.length} of ${messages.length} approvals`);
    },
  };
}

async function deployAmplifierGateway(label: string, gasService: Contract): Promise<LocalAxelar> {
  const [owner] = await ethers.getSigners();
  const verifiers = testSigners(4);
  const signers = {
    signers: verifiers.map((v) => ({ signer: v.address, weight: 1n })),
    threshold: 3n,
    nonce: keccak256(toUtf8Bytes(`test verifiers ${label}`)),
  };
  const domainSeparator = keccak256(toUtf8Bytes(`allora-test-axelar-${label}`));
  const implementation = await deployArtifact(GATEWAY, [0, domainSeparator, 0]);
  const setup = abi.encode(["address", `${WEIGHTED_SIGNERS}[]`], [owner.address, [signers]]);
  const proxy = await deployArtifact(GATEWAY_PROXY, [
    await implementation.getAddress(),
    owner.address,
    setup,
  ]);
  const gateway = new Contract(await proxy.getAddress(), GATEWAY.abi, owner);

  const signersHash = keccak256(abi.encode([WEIGHTED_SIGNERS], [signers]));
  return {
    kind: "amplifier",
    gateway,
    gasService,
    async approve(messages) {
      const dataHash = keccak256(abi.encode(["uint8", MESSAGES], [APPROVE_MESSAGES, messages]));
      const toSign = keccak256(
        concat([toUtf8Bytes("\x19Ethereum Signed Message:\n96"), domainSeparator, signersHash, dataHash]),
      );
      const signatures = verifiers.slice(0, 3).map((v) => v.signingKey.sign(toSign).serialized);
      await (await gateway.getFunction("approveMessages")(messages, { signers, signatures })).wait();
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
