/**
 * The one registry of chain identifiers. Every place that names a chain (bridge contracts' chain ids,
 * Axelar chain names, EVM chain ids, deploy parameters) reads it from here.
 *
 * Bridge chain ids (the `uint64` the AlloraBridge contracts use for sources and destinations):
 * - an EVM chain: its EIP-155 chain id (Ethereum 1, BNB Smart Chain 56, Base 8453);
 * - a Cosmos chain (the Allora hub): `2^63 | first 8 bytes of keccak256(cosmos chain id)` with the top bit
 *   forced, so it can never equal an EVM chain id in use (those are far below 2^63).
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** Top bit of a uint64: marks a bridge chain id derived from a Cosmos chain id. */
const COSMOS_CHAIN_FLAG = 1n << 63n;
const UINT64_MASK = (1n << 64n) - 1n;

/** The bridge chain id of a Cosmos chain (for example `allora-mainnet-1`). */
export function cosmosBridgeChainId(cosmosChainId: string): bigint {
  if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(cosmosChainId)) {
    throw new Error(`invalid Cosmos chain id "${cosmosChainId}": use lower-case letters, digits and '-'`);
  }
  const first8 = BigInt(keccak256(toUtf8Bytes(cosmosChainId)).slice(0, 18));
  return (first8 | COSMOS_CHAIN_FLAG) & UINT64_MASK;
}

/** An EVM chain the bridge serves. */
export interface EvmChain {
  /**
   * Our name, the one name of the chain everywhere: config, deploy parameters, the Hardhat network
   * (hardhat.config.ts, `--network <name>`) and its deployment record (deployments/<name>.json).
   */
  name: EvmChainName;
  /** EIP-155 chain id; also the chain's bridge chain id. */
  chainId: number;
  /** Axelar's name for the chain (GMP `destinationChain` / `sourceChain`). */
  axelarName: string;
  /** Whether this is a production network (false: testnet or local). */
  production: boolean;
  /** The environment variable with the chain's RPC URL (public chains; local ones have fixed ports). */
  rpcUrlEnv?: string;
}

/** The hub (a Cosmos chain). */
export interface HubChain {
  name: HubChainName;
  /** The Cosmos chain id. */
  cosmosChainId: string;
  /** The bridge chain id derived from it ({@link cosmosBridgeChainId}). */
  bridgeChainId: bigint;
  /** bech32 prefix of accounts. */
  bech32Prefix: "allo";
}

export type EvmChainName =
  | "ethereum"
  | "bnb"
  | "base"
  | "sepolia"
  | "bnbTestnet"
  | "baseSepolia"
  | "ethereumLocal"
  | "bnbLocal"
  | "baseLocal";

export type HubChainName = "allora-mainnet" | "allora-testnet" | "allora-devnet";

/**
 * EVM chains. Axelar names (the chain's `axelarId` in Axelar's registry, axelarnetwork/axelar-contract-deployments
 * axelar-chains-config/info/{mainnet,testnet}.json): mainnet `Ethereum` (capitalised: one of Axelar's first
 * chains, like `Avalanche` and `Polygon`), `binance`, `base`; testnet `ethereum-sepolia`, `binance` (BNB testnet
 * is `binance` on Axelar's testnet too), `base-sepolia`. The exact spelling matters: the destination gateway
 * hands the adapter the source chain's `axelarId` as `sourceChain`, and the adapter matches it byte for byte.
 * The local chains reuse the mainnet names so that tests exercise the production mapping.
 */
export const EVM_CHAINS: Readonly<Record<EvmChainName, EvmChain>> = {
  ethereum: { name: "ethereum", chainId: 1, axelarName: "Ethereum", production: true, rpcUrlEnv: "ETHEREUM_RPC_URL" },
  bnb: { name: "bnb", chainId: 56, axelarName: "binance", production: true, rpcUrlEnv: "BNB_RPC_URL" },
  base: { name: "base", chainId: 8453, axelarName: "base", production: true, rpcUrlEnv: "BASE_RPC_URL" },
  sepolia: {
    name: "sepolia",
    chainId: 11155111,
    axelarName: "ethereum-sepolia",
    production: false,
    rpcUrlEnv: "SEPOLIA_RPC_URL",
  },
  bnbTestnet: {
    name: "bnbTestnet",
    chainId: 97,
    axelarName: "binance",
    production: false,
    rpcUrlEnv: "BNB_TESTNET_RPC_URL",
  },
  baseSepolia: {
    name: "baseSepolia",
    chainId: 84532,
    axelarName: "base-sepolia",
    production: false,
    rpcUrlEnv: "BASE_SEPOLIA_RPC_URL",
  },
  ethereumLocal: { name: "ethereumLocal", chainId: 31337, axelarName: "Ethereum", production: false },
  bnbLocal: { name: "bnbLocal", chainId: 31338, axelarName: "binance", production: false },
  baseLocal: { name: "baseLocal", chainId: 31339, axelarName: "base", production: false },
};

function hub(name: HubChainName, cosmosChainId: string): HubChain {
  return { name, cosmosChainId, bridgeChainId: cosmosBridgeChainId(cosmosChainId), bech32Prefix: "allo" };
}

/** Hub networks. */
export const HUB_CHAINS: Readonly<Record<HubChainName, HubChain>> = {
  "allora-mainnet": hub("allora-mainnet", "allora-mainnet-1"),
  "allora-testnet": hub("allora-testnet", "allora-testnet-1"),
  "allora-devnet": hub("allora-devnet", "allora-devnet-1"),
};

/** The EVM chains that talk to each hub network (the bridge's remote chains besides the hub). */
export const EVM_PEERS: Readonly<Record<HubChainName, readonly EvmChainName[]>> = {
  "allora-mainnet": ["ethereum", "bnb", "base"],
  "allora-testnet": ["sepolia", "bnbTestnet", "baseSepolia"],
  "allora-devnet": ["ethereumLocal", "bnbLocal", "baseLocal"],
};

/** The public chains (those with an RPC URL variable): the Hardhat networks a real deployment uses. */
export function publicEvmChains(): EvmChain[] {
  return Object.values(EVM_CHAINS).filter((c) => c.rpcUrlEnv !== undefined);
}

/** The EVM chain with this name; throws naming the known names otherwise. */
export function evmChain(name: string): EvmChain {
  const chain = (EVM_CHAINS as Record<string, EvmChain | undefined>)[name];
  if (!chain) throw new Error(`unknown EVM chain "${name}": expected one of ${Object.keys(EVM_CHAINS).join(", ")}`);
  return chain;
}

/** The EVM chain with this EIP-155 chain id (the first registered, for ids that local chains share). */
export function evmChainById(chainId: number | bigint): EvmChain {
  const chain = Object.values(EVM_CHAINS).find((c) => BigInt(c.chainId) === BigInt(chainId));
  if (!chain) throw new Error(`no EVM chain with chain id ${chainId} in lib/chains.ts: add it to EVM_CHAINS`);
  return chain;
}

/** The hub network with this name; throws naming the known names otherwise. */
export function hubChain(name: string): HubChain {
  const chain = (HUB_CHAINS as Record<string, HubChain | undefined>)[name];
  if (!chain) throw new Error(`unknown hub network "${name}": expected one of ${Object.keys(HUB_CHAINS).join(", ")}`);
  return chain;
}
