/**
 * `relayer transfer <source tx hash>` for a transfer over Axelar (route 4): the adapter's `send` read from the
 * source chain (what left, to whom), then its stages as Axelar reports them through {@link AxelarGmp}
 * (Axelar's APIs on live networks, the devnet stand-in locally): sent -> confirmed -> approved -> executed,
 * or error / insufficient_fee with Axelar's reason.
 */
import type { Provider } from "ethers";
import type { AxelarAdapterRef } from "./config";
import type { AxelarGmp, GmpStage, GmpStatus } from "./gmp";
import { adapterEvents, AXELAR_SENT_TOPIC } from "./inflight";

export interface AxelarTrackChain {
  name: string;
  chainId: bigint;
  provider: Provider;
}

export interface AxelarStage {
  stage: "sent" | "confirmed" | "approved" | "executed" | "error" | "insufficient_fee";
  done: boolean;
  detail: string;
  txHash?: string;
  time?: number;
}

export interface AxelarTrackResult {
  transferId: string;
  route: string;
  amount: bigint;
  recipient: string;
  stages: AxelarStage[];
  final: boolean;
  /** Axelar's own answer, for --json. */
  gmp: GmpStatus;
}

/** How far each GMP stage has come along the happy path (executing counts as approved, not yet executed). */
const RANK: Partial<Record<GmpStage, number>> = { sent: 1, insufficient_fee: 1, confirmed: 2, approved: 3, executing: 3, error: 3, executed: 4 };

/** The stages to print for a GMP status (pure, so the mapping is tested by itself). */
export function axelarStages(status: GmpStatus, source: { chain: string; sender: string; txHash: string; time?: number }, destination: string): AxelarStage[] {
  const rank = RANK[status.stage] ?? 1;
  const stages: AxelarStage[] = [
    { stage: "sent", done: true, detail: `burned on ${source.chain} by ${source.sender}, GMP call to ${destination}`, txHash: source.txHash, time: source.time },
    { stage: "confirmed", done: rank >= 2, detail: rank >= 2 ? "Axelar confirmed the source call" : `waiting for Axelar to confirm the source call (Axelar: ${status.raw})` },
    { stage: "approved", done: rank >= 3, detail: rank >= 3 ? `approved on ${destination}'s gateway` : "waiting for the approval on the destination gateway", txHash: status.approvalTxHash },
  ];
  if (status.stage === "insufficient_fee") {
    stages.push({ stage: "insufficient_fee", done: false, detail: `${status.error ?? "the gas paid does not cover the execution"} (fix: add gas with the gas service's addNativeGas)` });
  }
  if (status.stage === "error") stages.push({ stage: "error", done: false, detail: `the execution failed: ${status.error ?? status.raw} (Axelar retries; anyone may execute it again)` });
  stages.push({
    stage: "executed",
    done: rank >= 4,
    detail: rank >= 4 ? `minted on ${destination}` : status.stage === "executing" ? "execution under way" : `waiting for the execution on ${destination}`,
    txHash: status.executionTxHash,
  });
  return stages;
}

/**
 * The Axelar transfer sent by source transaction `ref` on one of `chains` (through that chain's adapter), or
 * undefined when `ref` is no adapter send. Asks `gmp()` (made on first need: the SDK loads in seconds) only then.
 */
export async function trackAxelarSend(
  chains: readonly AxelarTrackChain[],
  adapters: Readonly<Record<string, AxelarAdapterRef>>,
  gmp: () => AxelarGmp,
  ref: string,
): Promise<AxelarTrackResult | undefined> {
  for (const c of chains) {
    const adapter = adapters[c.name];
    if (!adapter) continue;
    const receipt = await c.provider.getTransactionReceipt(ref).catch(() => null);
    const log = receipt?.logs.find((l) => l.topics[0] === AXELAR_SENT_TOPIC && l.address.toLowerCase() === adapter.address.toLowerCase());
    if (!receipt || !log) continue;
    const e = adapterEvents.parseLog(log)!;
    const destinationId = e.args.destinationChain as bigint;
    const destination = chains.find((d) => d.chainId === destinationId)?.name ?? `chain ${destinationId}`;
    const status = await gmp().status(ref);
    const time = (await c.provider.getBlock(receipt.blockNumber))?.timestamp;
    const stages = axelarStages(status, { chain: c.name, sender: e.args.sender as string, txHash: ref, time }, destination);
    return {
      transferId: status.messageId ?? `${ref}-${log.index}`,
      route: `${c.name}->${destination} (axelar)`,
      amount: e.args.amount as bigint,
      recipient: e.args.recipient as string,
      stages,
      final: status.stage === "executed",
      gmp: status,
    };
  }
  return undefined;
}
