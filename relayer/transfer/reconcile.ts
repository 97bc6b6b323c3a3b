/**
 * Supply reconciliation: every ALLO on the EVM chains is backed by uallo locked in the hub escrow.
 *
 *   escrow balance - escrow float = sum over EVM chains of totalSupply + in flight
 *
 * "In flight" is what has left one side and not yet arrived on the other: burned on an EVM chain and not yet
 * minted or released, deposited on the hub and not yet minted, queued on a destination bridge (already burned
 * or deposited, not yet minted). The escrow float is uallo in the escrow that backs nothing: what operators
 * put there to pay the escrow's own hub fees, minus the fees paid so far. Pure arithmetic over exact bigints.
 */
import { formatUnits } from "ethers";

export interface SupplyReading {
  chain: string;
  totalSupply: bigint;
}

export interface InFlight {
  transferId: string;
  route: string;
  amount: bigint;
  stage: string;
}

export interface Reconciliation {
  escrowBalance: bigint;
  escrowFloat: bigint;
  backing: bigint;
  evmSupply: bigint;
  inFlight: bigint;
  /** backing - (evmSupply + inFlight): 0 when every token is accounted for; > 0 over-backed, < 0 under-backed */
  delta: bigint;
  ok: boolean;
  rows: { what: string; amount: bigint }[];
}

export function reconcile(args: {
  escrowBalance: bigint;
  escrowFloat: bigint;
  supplies: readonly SupplyReading[];
  inFlight: readonly InFlight[];
}): Reconciliation {
  const evmSupply = args.supplies.reduce((s, r) => s + r.totalSupply, 0n);
  const inFlight = args.inFlight.reduce((s, t) => s + t.amount, 0n);
  const backing = args.escrowBalance - args.escrowFloat;
  const delta = backing - (evmSupply + inFlight);
  const rows = [
    { what: "hub escrow balance", amount: args.escrowBalance },
    { what: "- escrow float (fees)", amount: args.escrowFloat },
    ...args.supplies.map((s) => ({ what: `${s.chain} totalSupply`, amount: s.totalSupply })),
    { what: `in flight (${args.inFlight.length} transfers)`, amount: inFlight },
    { what: "delta", amount: delta },
  ];
  return { escrowBalance: args.escrowBalance, escrowFloat: args.escrowFloat, backing, evmSupply, inFlight, delta, ok: delta === 0n, rows };
}

/** Formats base units (18 decimals) as ALLO, exactly, without a trailing ".0" (tables and logs). */
export function formatAllo(amount: bigint): string {
  return formatUnits(amount, 18).replace(/\.0$/, "");
}
