/**
 * Axelar on a local chain, for tests and for the local network: Axelar's own contracts, deployed from the
 * build artifacts Axelar publishes in its npm packages (their compiler output, not recompiled here). Live
 * Axelar is not reachable from this machine; a signer set we hold stands in for Axelar's validators
 * (consensus gateway) or verifiers (Amplifier gateway) when a message has to be approved on a destination.
 *
 * Two gateway kinds:
 * - "consensus": AxelarGateway + AxelarGatewayProxy + AxelarAuthWeighted + TokenDeployer from
 *   @axelar-network/axelar-cgp-solidity, the gateway that Ethereum, BNB Smart Chain and Base use today. The
 *   operator set signs `execute` batches of `approveContractCall` commands as AxelarAuthWeighted verifies them
 *   (eth-signed keccak256 of the command data).
 * - "amplifier": AxelarAmplifierGateway + AxelarAmplifierGatewayProxy from
 *   @axelar-network/axelar-gmp-sdk-solidity (chains connected through Axelar Amplifier). The verifier set signs
 *   `approveMessages` proofs as BaseWeightedMultisig verifies them.
 * Both with AxelarGasService + AxelarGasServiceProxy from @axelar-network/axelar-cgp-solidity.
 *
 * The deploy stack's `"gateway": "local"` ({@link ensureLocalAxelar}) deploys the consensus kind from a fixed
 * DEVNET key, so the gateway and gas service land at the same addresses on every fresh local chain (and so
 * does the adapter, whose constructor takes them), with a fixed DEVNET operator set ({@link LOCAL_AXELAR}).
 */
import {
  AbiCoder,
  Contract,
  ContractFactory,
  Wallet,
  concat,
  getBytes,
  getCreateAddress,
  hashMessage,
  id,
  keccak256,
  toQuantity,
  toUtf8Bytes,
} from "ethers";
import type { ContractRunner, ContractTransactionReceipt, InterfaceAbi, Provider, Signer } from "ethers";

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

type ArtifactName =
  | "AxelarAmplifierGateway"
  | "AxelarAmplifierGatewayProxy"
  | "AxelarGateway"
  | "AxelarGatewayProxy"
  | "AxelarAuthWeighted"
  | "TokenDeployer"
  | "AxelarGasService"
  | "AxelarGasServiceProxy";

const ARTIFACT_PATHS: Record<ArtifactName, string> = {
  AxelarAmplifierGateway: "axelar-gmp-sdk-solidity/artifacts/contracts/gateway/AxelarAmplifierGateway.sol",
  AxelarAmplifierGatewayProxy: "axelar-gmp-sdk-solidity/artifacts/contracts/gateway/AxelarAmplifierGatewayProxy.sol",
  AxelarGateway: "axelar-cgp-solidity/artifacts/contracts/AxelarGateway.sol",
  AxelarGatewayProxy: "axelar-cgp-solidity/artifacts/contracts/AxelarGatewayProxy.sol",
  AxelarAuthWeighted: "axelar-cgp-solidity/artifacts/contracts/auth/AxelarAuthWeighted.sol",
  TokenDeployer: "axelar-cgp-solidity/artifacts/contracts/TokenDeployer.sol",
  AxelarGasService: "axelar-cgp-solidity/artifacts/contracts/gas-service/AxelarGasService.sol",
  AxelarGasServiceProxy: "axelar-cgp-solidity/artifacts/contracts/gas-service/AxelarGasServiceProxy.sol",
};

/**
 * A Hardhat artifact shipped inside an Axelar npm package. Loaded on first use: the artifacts are large and
 * most runs of the deploy stack (every `npm start` without --axelar) never need them.
 */
export function axelarArtifact(name: ArtifactName): Artifact {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@axelar-network/${ARTIFACT_PATHS[name]}/${name}.json`) as Artifact;
}

const abi = AbiCoder.defaultAbiCoder();
const WEIGHTED_SIGNERS =
  "tuple(tuple(address signer,uint128 weight)[] signers,uint128 threshold,bytes32 nonce)";
const MESSAGES =
  "tuple(string sourceChain,string messageId,string sourceAddress,address contractAddress,bytes32 payloadHash)[]";
/** CommandType.ApproveMessages in AmplifierGatewayTypes.sol. */
const APPROVE_MESSAGES = 0;

/** A GMP message as the destination gateway approves it. */
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
  /** The gateway (through its proxy). */
  gateway: Contract;
  /** AxelarGasService (through its proxy). */
  gasService: Contract;
  /** Approves `messages` on the gateway, signed by the signer set, under {@link commandIdOf} ids. */
  approve(messages: AxelarMessage[]): Promise<void>;
}

export interface DeployAxelarOptions {
  kind?: GatewayKind;
  /** The validators (consensus) or verifiers (Amplifier), equal weights; sorted here by address. */
  signers: Wallet[];
  /** How many of them approve a batch (default: all but one, at least one). */
  threshold?: number;
  /** Names the Amplifier domain and signer-set nonce (any string; the chain's name reads well). */
  label?: string;
  /** Receives the gas service's fees (default: the deployer). */
  gasCollector?: string;
}

/**
 * Deploys a gas service and a gateway of `kind` from `deployer` (a signer with a provider) and returns them
 * with an `approve` that signs with `signers`. Every transaction is awaited, so the deployer's nonces are
 * used in order (the addresses follow from the deployer's nonce).
 */
export async function deployAxelar(deployer: Signer, opts: DeployAxelarOptions): Promise<LocalAxelar> {
  const owner = await deployer.getAddress();
  const signers = sortedByAddress(opts.signers);
  const threshold = BigInt(opts.threshold ?? Math.max(1, signers.length - 1));
  const deploy = async (name: ArtifactName, args: unknown[]): Promise<Contract> => {
    const artifact = axelarArtifact(name);
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(...args);
    await contract.waitForDeployment();
    return contract as Contract;
  };
  const send = async (contract: Contract, method: string, args: unknown[]): Promise<void> => {
    const receipt = await (await contract.getFunction(method)(...args)).wait();
    if (receipt?.status !== 1) throw new Error(`local Axelar: ${method} failed`);
  };

  const gasServiceImplementation = await deploy("AxelarGasService", [opts.gasCollector ?? owner]);
  const gasServiceProxy = await deploy("AxelarGasServiceProxy", []);
  await send(gasServiceProxy, "init", [await gasServiceImplementation.getAddress(), owner, "0x"]);
  const gasService = new Contract(await gasServiceProxy.getAddress(), axelarArtifact("AxelarGasService").abi, deployer);

  if ((opts.kind ?? "consensus") === "consensus") {
    const addresses = signers.map((s) => s.address);
    const weights = signers.map(() => 1n);
    const operatorSet = abi.encode(["address[]", "uint256[]", "uint256"], [addresses, weights, threshold]);
    const auth = await deploy("AxelarAuthWeighted", [[operatorSet]]);
    const tokenDeployer = await deploy("TokenDeployer", []);
    const implementation = await deploy("AxelarGateway", [await auth.getAddress(), await tokenDeployer.getAddress()]);
    // setup(governance, mintLimiter, new operators): no operator change, the deployer governs.
    const setup = abi.encode(["address", "address", "bytes"], [owner, owner, "0x"]);
    const proxy = await deploy("AxelarGatewayProxy", [await implementation.getAddress(), setup]);
    // The gateway rotates operators through the auth module, so it must own it.
    await send(auth, "transferOwnership", [await proxy.getAddress()]);
    const gateway = new Contract(await proxy.getAddress(), axelarArtifact("AxelarGateway").abi, deployer);
    return {
      kind: "consensus",
      gateway,
      gasService,
      approve: (messages) => approveOnConsensusGateway(gateway, signers, threshold, messages),
    };
  }

  const label = opts.label ?? "local";
  const weighted = {
    signers: signers.map((v) => ({ signer: v.address, weight: 1n })),
    threshold,
    nonce: keccak256(toUtf8Bytes(`test verifiers ${label}`)),
  };
  const domainSeparator = keccak256(toUtf8Bytes(`allora-test-axelar-${label}`));
  const implementation = await deploy("AxelarAmplifierGateway", [0, domainSeparator, 0]);
  const setup = abi.encode(["address", `${WEIGHTED_SIGNERS}[]`], [owner, [weighted]]);
  const proxy = await deploy("AxelarAmplifierGatewayProxy", [await implementation.getAddress(), owner, setup]);
  const gateway = new Contract(await proxy.getAddress(), axelarArtifact("AxelarAmplifierGateway").abi, deployer);
  const signersHash = keccak256(abi.encode([WEIGHTED_SIGNERS], [weighted]));
  return {
    kind: "amplifier",
    gateway,
    gasService,
    async approve(messages) {
      const dataHash = keccak256(abi.encode(["uint8", MESSAGES], [APPROVE_MESSAGES, messages]));
      const toSign = keccak256(
        concat([toUtf8Bytes("\x19Ethereum Signed Message:\n96"), domainSeparator, signersHash, dataHash]),
      );
      const signatures = signers.slice(0, Number(threshold)).map((v) => v.signingKey.sign(toSign).serialized);
      const receipt = await (
        await gateway.getFunction("approveMessages")(messages, { signers: weighted, signatures })
      ).wait();
      if (receipt?.status !== 1) throw new Error("local Axelar: approveMessages failed");
    },
  };
}

/**
 * Approves `messages` on a consensus gateway: one `execute` batch of `approveContractCall` commands signed by
 * the first `threshold` of `operators` (the gateway's current operator set, ascending by address). Anyone can
 * send it (`gateway`'s runner pays); the signatures carry the authority.
 */
export async function approveOnConsensusGateway(
  gateway: Contract,
  operators: Wallet[],
  threshold: bigint,
  messages: AxelarMessage[],
): Promise<void> {
  const provider = gateway.runner?.provider;
  if (!provider) throw new Error("approveOnConsensusGateway: the gateway contract needs a runner with a provider");
  const { chainId } = await provider.getNetwork();
  const sorted = sortedByAddress(operators);
  const params = messages.map((m, i) =>
    abi.encode(
      ["string", "string", "address", "bytes32", "bytes32", "uint256"],
      [m.sourceChain, m.sourceAddress, m.contractAddress, m.payloadHash, keccak256(toUtf8Bytes(m.messageId)), i],
    ),
  );
  const data = abi.encode(
    ["uint256", "bytes32[]", "string[]", "bytes[]"],
    [chainId, messages.map(commandIdOf), messages.map(() => "approveContractCall"), params],
  );
  const hash = hashMessage(getBytes(keccak256(data)));
  const signatures = sorted.slice(0, Number(threshold)).map((o) => o.signingKey.sign(hash).serialized);
  const proof = abi.encode(
    ["address[]", "uint256[]", "uint256", "bytes[]"],
    [sorted.map((o) => o.address), sorted.map(() => 1n), threshold, signatures],
  );
  const receipt = await (await gateway.getFunction("execute")(abi.encode(["bytes", "bytes"], [data, proof]))).wait();
  const executedTopic = gateway.interface.getEvent("Executed")!.topicHash;
  const executed = receipt!.logs.filter((l: { topics: readonly string[] }) => l.topics[0] === executedTopic);
  if (executed.length !== messages.length) {
    throw new Error(`gateway executed ${executed.length} of ${messages.length} approvals`);
  }
}

/** The GMP call a transaction made through `gateway` (its ContractCall event), as a message to approve elsewhere. */
export function contractCallOf(
  receipt: ContractTransactionReceipt,
  gateway: Contract,
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

function sortedByAddress(wallets: Wallet[]): Wallet[] {
  return [...wallets].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/**
 * DEVNET ONLY: the local Axelar of the deploy stack's `"gateway": "local"`. Public keys derived from fixed
 * strings, known to everyone: never use them anywhere but a local chain.
 * - `deployerKey` deploys the gateway and gas service (and governs them); it is used only for that, so on a
 *   fresh chain its nonces, hence the contracts' addresses, are the same on every chain.
 * - `operatorKeys` (3 of 4) approve messages on the gateway in place of Axelar's validators.
 */
export const LOCAL_AXELAR = {
  deployerKey: id("allora devnet: local Axelar deployer"),
  operatorKeys: [0, 1, 2, 3].map((i) => id(`allora devnet: local Axelar operator ${i}`)),
  threshold: 3,
} as const;

/** The order in which deployAxelar("consensus") uses the deployer's nonces. */
const CONSENSUS_NONCES = { gasService: 1, gateway: 6, last: 7 } as const;

/** Where {@link ensureLocalAxelar} puts the gateway and gas service (proxies) on any local chain. */
export function localAxelarAddresses(): { gateway: string; gasService: string; deployer: string } {
  const deployer = new Wallet(LOCAL_AXELAR.deployerKey).address;
  return {
    deployer,
    gasService: getCreateAddress({ from: deployer, nonce: CONSENSUS_NONCES.gasService }),
    gateway: getCreateAddress({ from: deployer, nonce: CONSENSUS_NONCES.gateway }),
  };
}

/** A provider that also takes raw JSON-RPC calls (Hardhat's). */
type RpcProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/**
 * Makes sure the local Axelar (consensus gateway + gas service, {@link LOCAL_AXELAR}) is on this local chain:
 * present at {@link localAxelarAddresses} -> nothing to do; absent -> funds the DEVNET deployer
 * (hardhat_setBalance) and deploys. Only for local Hardhat chains.
 */
export async function ensureLocalAxelar(
  provider: RpcProvider,
): Promise<{ gateway: string; gasService: string; installed: boolean }> {
  const expected = localAxelarAddresses();
  const [gatewayCode, gasServiceCode] = await Promise.all([
    provider.getCode(expected.gateway),
    provider.getCode(expected.gasService),
  ]);
  if (gatewayCode !== "0x" && gasServiceCode !== "0x") {
    return { gateway: expected.gateway, gasService: expected.gasService, installed: false };
  }
  const nonce = await provider.getTransactionCount(expected.deployer);
  if (nonce !== 0) {
    throw new Error(
      `local Axelar: the DEVNET deployer ${expected.deployer} has sent ${nonce} transaction(s) on this chain but ` +
        `the gateway is not at ${expected.gateway}: a deployment was interrupted; restart the local chain`,
    );
  }
  await provider.send("hardhat_setBalance", [expected.deployer, toQuantity(10n ** 19n)]);
  const deployer = new Wallet(LOCAL_AXELAR.deployerKey, provider);
  const axelar = await deployAxelar(deployer, {
    kind: "consensus",
    signers: localAxelarOperators(),
    threshold: LOCAL_AXELAR.threshold,
  });
  const gateway = await axelar.gateway.getAddress();
  const gasService = await axelar.gasService.getAddress();
  if (gateway !== expected.gateway || gasService !== expected.gasService) {
    throw new Error(`local Axelar landed at ${gateway} / ${gasService}, not at ${expected.gateway} / ${expected.gasService}`);
  }
  return { gateway, gasService, installed: true };
}

/** DEVNET ONLY: the operator wallets of the local gateway. */
export function localAxelarOperators(): Wallet[] {
  return LOCAL_AXELAR.operatorKeys.map((k) => new Wallet(k));
}

/**
 * Approves `messages` on a local gateway deployed by {@link ensureLocalAxelar}, as Axelar's validators would
 * on a real chain; `runner` sends the transaction.
 */
export async function approveOnLocalGateway(
  runner: ContractRunner,
  gatewayAddress: string,
  messages: AxelarMessage[],
): Promise<void> {
  const gateway = new Contract(gatewayAddress, axelarArtifact("AxelarGateway").abi, runner);
  await approveOnConsensusGateway(gateway, localAxelarOperators(), BigInt(LOCAL_AXELAR.threshold), messages);
}
