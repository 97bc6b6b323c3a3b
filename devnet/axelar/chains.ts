/**
 * The local chains as the devnet Axelar stand-in sees them: an RPC, the local Axelar gateway and gas service
 * (deploy/local-axelar.ts), and Axelar's name for the chain (lib/chains.ts, by chain id). Plus the reading
 * of GMP calls out of a source transaction, shared by the stand-in and its status.
 */
import {
  Contract,
  FetchRequest,
  Interface,
  JsonRpcProvider,
  getAddress,
  type Log,
  type TransactionReceipt,
} from "ethers";
import { EVM_CHAINS } from "../../lib/chains";
import { axelarArtifact, type AxelarMessage } from "../../deploy/local-axelar";

export interface StandinChainConfig {
  /** The devnet's name for it (manifest: ethereum, bnb, base). */
  name: string;
  chainId: number;
  rpc: string;
  /** The local AxelarGateway (proxy). */
  gateway: string;
  /** The local AxelarGasService (proxy). */
  gasService: string;
}

/** A chain with its provider and contracts. */
export interface StandinChain extends StandinChainConfig {
  /** Axelar's name for the chain (the `sourceChain` / `destinationChain` of its messages). */
  axelarName: string;
  provider: JsonRpcProvider;
  gatewayContract: Contract;
}

export const GATEWAY = new Interface(axelarArtifact("AxelarGateway").abi);
const GAS_SERVICE = new Interface(axelarArtifact("AxelarGasService").abi);
const CONTRACT_CALL = GATEWAY.getEvent("ContractCall")!.topicHash;
const GAS_PAID = GAS_SERVICE.getEvent("NativeGasPaidForContractCall")!.topicHash;
export const CONTRACT_CALL_TOPIC = CONTRACT_CALL;
export const CALL_APPROVED_TOPIC = GATEWAY.getEvent("ContractCallApproved")!.topicHash;
export const CALL_EXECUTED_TOPIC = GATEWAY.getEvent("ContractCallExecuted")!.topicHash;

/** Axelar's name of the local chain with this chain id (lib/chains.ts), with an error naming the fix. */
export function axelarNameOf(chainId: number, name: string): string {
  const entry = Object.values(EVM_CHAINS).find((c) => c.chainId === chainId && !c.production);
  if (!entry) {
    throw new Error(
      `${name} (chain id ${chainId}) is not a local chain of lib/chains.ts (31337, 31338, 31339): the stand-in ` +
        `needs Axelar's name for it`,
    );
  }
  return entry.axelarName;
}

export function connectChain(config: StandinChainConfig): StandinChain {
  // cacheTimeout -1: ethers otherwise answers a repeated call (block number, an eth_call with the same
  // arguments) from a 250 ms cache, and a poll right after a change would act on the state before it.
  // A 10 s request timeout (ethers' default is 300 s): a chain that accepts and never answers (one being
  // stopped) would otherwise hold the stand-in's loop for five minutes.
  const request = new FetchRequest(config.rpc);
  request.timeout = 10_000;
  const provider = new JsonRpcProvider(request, config.chainId, {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  provider.pollingInterval = 100; // local chains: receipts within a block time
  return {
    ...config,
    axelarName: axelarNameOf(config.chainId, config.name),
    provider,
    gatewayContract: new Contract(config.gateway, GATEWAY, provider),
  };
}

/** The chains of a devnet manifest that have the local Axelar (`npm start -- --axelar`). */
export function standinChainsFromManifest(manifest: {
  chains: { name: string; chainId: number; rpc: string; contracts: { axelarGateway?: string; axelarGasService?: string } }[];
}): StandinChainConfig[] {
  const chains = manifest.chains.flatMap((c) => {
    const { axelarGateway: gateway, axelarGasService: gasService } = c.contracts;
    return gateway && gasService ? [{ name: c.name, chainId: c.chainId, rpc: c.rpc, gateway, gasService }] : [];
  });
  if (chains.length < 2) {
    throw new Error(
      `the manifest lists the local Axelar gateway on ${chains.length} chain(s): start the network with ` +
        "`npm start -- --axelar` (the stand-in needs at least two)",
    );
  }
  return chains;
}

/** A GMP call (a gateway ContractCall) as the destination gateway approves it. */
export interface GmpCall {
  /** `<source tx hash>-<log index>`. */
  messageId: string;
  sourceTxHash: string;
  source: StandinChain;
  destinationChain: string;
  /** The message as the destination approves it (sourceChain = the source's Axelar name). */
  message: AxelarMessage;
  payload: string;
  /** Whether the same transaction paid the gas service for this call. */
  gasPaid: boolean;
}

/** The GMP calls a gateway log (or all ContractCall logs of a receipt) describe. */
export function gmpCallOf(source: StandinChain, log: Log, receiptLogs: readonly Log[]): GmpCall {
  const parsed = GATEWAY.parseLog(log);
  if (!parsed || parsed.name !== "ContractCall") throw new Error(`log ${log.index} is not a ContractCall`);
  const destinationChain = parsed.args.destinationChain as string;
  const destinationAddress = parsed.args.destinationContractAddress as string;
  const payloadHash = parsed.args.payloadHash as string;
  // The gas service's event for this call, in the same transaction (how the adapter pays: payNativeGas...
  // then callContract). Matched on payload hash, destination chain and address.
  const gasPaid = receiptLogs.some((l) => {
    if (l.address.toLowerCase() !== source.gasService.toLowerCase() || l.topics[0] !== GAS_PAID) return false;
    const g = GAS_SERVICE.parseLog(l);
    return (
      g !== null &&
      g.args.payloadHash === payloadHash &&
      g.args.destinationChain === destinationChain &&
      String(g.args.destinationAddress).toLowerCase() === destinationAddress.toLowerCase() &&
      (g.args.gasFeeAmount as bigint) > 0n
    );
  });
  let contractAddress: string;
  try {
    contractAddress = getAddress(destinationAddress);
  } catch {
    contractAddress = destinationAddress; // not an EVM address: refused when the destination is looked up
  }
  const messageId = `${log.transactionHash}-${log.index}`;
  return {
    messageId,
    sourceTxHash: log.transactionHash,
    source,
    destinationChain,
    message: {
      sourceChain: source.axelarName,
      messageId,
      sourceAddress: parsed.args.sender as string,
      contractAddress,
      payloadHash,
    },
    payload: parsed.args.payload as string,
    gasPaid,
  };
}

/** The GMP calls a mined transaction made through `source`'s gateway, in log order. */
export function gmpCallsIn(source: StandinChain, receipt: TransactionReceipt): GmpCall[] {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === source.gateway.toLowerCase() && l.topics[0] === CONTRACT_CALL)
    .map((l) => gmpCallOf(source, l, receipt.logs));
}
