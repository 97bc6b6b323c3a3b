/**
 * {@link AxelarGmp} for the local network: the same two questions as on live networks (relayer/transfer/axelar),
 * answered from the local chains themselves, so a caller asks the same thing locally and live.
 *
 * The status is read from chain state, not from the stand-in's memory, so it is the same answer from any
 * process and after a restart: the source receipt (the gateway's ContractCall, the gas service's payment), then
 * the destination gateway (`isCommandExecuted`: approved at some point; `isContractCallApproved`: approved and
 * not yet consumed by an `execute`). Only what chain state cannot show comes from the running stand-in
 * ({@link StandinMemory}): an execution under way, and the reason the last execution failed.
 * Locally there is no separate "confirmed" stage: the stand-in approves a call in the poll that sees it.
 *
 * Status words in `raw` are Axelar's (the SDK's GMPStatus values), so logs read the same as on live networks.
 */
import { EVM_CHAINS } from "../../lib/chains";
import { commandIdOf } from "../../deploy/local-axelar";
import type { AxelarGmp, FeeQuote, FeeQuoteArgs, GmpStatus } from "../../relayer/transfer/axelar/gmp";
import { CALL_APPROVED_TOPIC, CALL_EXECUTED_TOPIC, gmpCallsIn, type GmpCall, type StandinChain } from "./chains";

/** What the running stand-in knows beyond chain state, by message id. */
export interface StandinMemory {
  /** Messages whose `execute` transaction is sent and not mined yet. */
  executing: Set<string>;
  /** The last execution failure of a message still approved (cleared once executed). */
  errors: Map<string, string>;
}

export function newStandinMemory(): StandinMemory {
  return { executing: new Set(), errors: new Map() };
}

export class LocalAxelarGmp implements AxelarGmp {
  constructor(
    private readonly chains: readonly StandinChain[],
    private readonly memory: StandinMemory = newStandinMemory(),
  ) {}

  /**
   * `gasLimit` at the destination's current gas price. No base fee (no Axelar network to pay) and no
   * multiplier; the local chains' native tokens are all "ETH" of Hardhat, one for one.
   */
  async quoteFee(args: FeeQuoteArgs): Promise<FeeQuote> {
    this.chainNamed(args.sourceChain);
    const destination = this.chainNamed(args.destinationChain);
    if (args.gasLimit <= 0n) throw new Error(`gasLimit ${args.gasLimit}: give the destination execute's gas (> 0)`);
    const fees = await destination.provider.getFeeData();
    const gasPrice = fees.maxFeePerGas ?? fees.gasPrice;
    if (gasPrice === null) throw new Error(`${destination.name} (${destination.rpc}) reports no gas price`);
    const executionFee = args.gasLimit * gasPrice;
    return { fee: executionFee, baseFee: 0n, executionFee, l1ExecutionFee: 0n, gasMultiplier: 1, gasLimit: args.gasLimit };
  }

  async status(sourceTxHash: string): Promise<GmpStatus> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(sourceTxHash)) {
      throw new Error(`"${sourceTxHash}" is not a transaction hash (0x and 64 hex digits)`);
    }
    const notFound = (error?: string): GmpStatus => ({
      stage: "not_found",
      raw: "cannot_fetch_status",
      sourceTxHash,
      ...(error ? { error } : {}),
    });
    const receipts = await Promise.all(
      this.chains.map(async (c) => ({ chain: c, receipt: await c.provider.getTransactionReceipt(sourceTxHash) })),
    );
    const found = receipts.find((r) => r.receipt !== null);
    if (!found?.receipt) return notFound();
    const [call] = gmpCallsIn(found.chain, found.receipt);
    if (!call) return notFound(`the transaction made no ContractCall on ${found.chain.name}'s gateway`);
    return this.statusOf(call);
  }

  /** The status of one GMP call (also what the stand-in logs). */
  async statusOf(call: GmpCall): Promise<GmpStatus> {
    const base = { sourceTxHash: call.sourceTxHash, messageId: call.messageId };
    if (!call.gasPaid) {
      return {
        ...base,
        stage: "insufficient_fee",
        raw: "insufficient_fee",
        error: "no gas was paid to the gas service for this call: the stand-in, like Axelar, does not carry it",
      };
    }
    const destination = this.chains.find((c) => c.axelarName === call.destinationChain);
    if (!destination) {
      return {
        ...base,
        stage: "error",
        raw: "error",
        error: `destination chain "${call.destinationChain}" is none of the local chains (${this.chains.map((c) => c.axelarName).join(", ")})`,
      };
    }
    // The stand-in's memory first, then the chain: an execution that ends between the two reads is then
    // reported as executing (the chain read before it was mined), never as going back to approved.
    const executing = this.memory.executing.has(call.messageId);
    const error = this.memory.errors.get(call.messageId);
    const commandId = commandIdOf(call.message);
    const gateway = destination.gatewayContract;
    const [commandExecuted, approved] = (await Promise.all([
      gateway.isCommandExecuted(commandId),
      gateway.isContractCallApproved(
        commandId,
        call.message.sourceChain,
        call.message.sourceAddress,
        call.message.contractAddress,
        call.message.payloadHash,
      ),
    ])) as [boolean, boolean];
    if (!commandExecuted) return { ...base, stage: "sent", raw: "source_gateway_called" };
    const approvalTxHash = await this.txOfGatewayEvent(destination, CALL_APPROVED_TOPIC, commandId);
    if (approved) {
      if (executing) {
        return { ...base, stage: "executing", raw: "executing", approvalTxHash };
      }
      if (error) return { ...base, stage: "error", raw: "error", approvalTxHash, error };
      return { ...base, stage: "approved", raw: "destination_gateway_approved", approvalTxHash };
    }
    // Approved once and no longer: an `execute` consumed it (a reverted one would have restored it).
    const executionTxHash = await this.txOfGatewayEvent(destination, CALL_EXECUTED_TOPIC, commandId);
    return { ...base, stage: "executed", raw: "destination_executed", approvalTxHash, executionTxHash };
  }

  private async txOfGatewayEvent(chain: StandinChain, topic: string, commandId: string): Promise<string | undefined> {
    const logs = await chain.provider.getLogs({ address: chain.gateway, topics: [topic, commandId], fromBlock: 0 });
    return logs[0]?.transactionHash;
  }

  /** One of this stand-in's chains by our registry name (ethereumLocal, bnbLocal, baseLocal). */
  private chainNamed(name: string): StandinChain {
    const entry = (EVM_CHAINS as Record<string, { chainId: number } | undefined>)[name];
    const chain = entry && this.chains.find((c) => c.chainId === entry.chainId);
    if (!chain) {
      throw new Error(
        `"${name}" is none of the stand-in's chains: use ${this.chains
          .map((c) => Object.values(EVM_CHAINS).find((e) => e.chainId === c.chainId && !e.production)?.name ?? c.name)
          .join(", ")}`,
      );
    }
    return chain;
  }
}
