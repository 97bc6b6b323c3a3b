/**
 * Application state of the hub devnet: accounts (auth) and balances (bank), in memory.
 *
 * `overlay()` gives a copy-on-write view (the CheckTx state over the committed state, a transaction's
 * ante state, a message's state) whose writes stay local until `apply()` merges them into the parent,
 * so a transaction costs O(touched accounts), not O(all accounts).
 */
import { Any } from "cosmjs-types/google/protobuf/any";

export interface Account {
  address: string;
  accountNumber: bigint;
  sequence: bigint;
  /** the account's public key as a protobuf Any, set by its first transaction */
  pubKey?: Any;
}

export class ChainState {
  private readonly accounts = new Map<string, Account>();
  /** address -> denom -> amount (for an overlay: the full balance map of each touched address) */
  private readonly balances = new Map<string, Map<string, bigint>>();
  nextAccountNumber: bigint;

  constructor(private readonly parent?: ChainState) {
    this.nextAccountNumber = parent ? parent.nextAccountNumber : 0n;
  }

  /** A copy-on-write view over this state. */
  overlay(): ChainState {
    return new ChainState(this);
  }

  /** Merges this overlay's writes into its parent. */
  apply(): void {
    const p = this.parent;
    if (!p) throw new Error("apply() on a root state");
    for (const [k, v] of this.accounts) p.accounts.set(k, v);
    for (const [k, v] of this.balances) p.balances.set(k, v);
    p.nextAccountNumber = this.nextAccountNumber;
  }

  /** The account (a private copy in an overlay, so callers may mutate it). */
  getAccount(address: string): Account | undefined {
    const local = this.accounts.get(address);
    if (local || !this.parent) return local;
    const inherited = this.parent.peekAccount(address);
    if (!inherited) return undefined;
    const copy = { ...inherited };
    this.accounts.set(address, copy);
    return copy;
  }

  private peekAccount(address: string): Account | undefined {
    return this.accounts.get(address) ?? this.parent?.peekAccount(address);
  }

  /** Creates the account if it does not exist (bank does this for a recipient). */
  ensureAccount(address: string): Account {
    let a = this.getAccount(address);
    if (!a) {
      a = { address, accountNumber: this.nextAccountNumber, sequence: 0n };
      this.nextAccountNumber += 1n;
      this.accounts.set(address, a);
    }
    return a;
  }

  private balanceMap(address: string): Map<string, bigint> | undefined {
    return this.balances.get(address) ?? this.parent?.balanceMap(address);
  }

  balance(address: string, denom: string): bigint {
    return this.balanceMap(address)?.get(denom) ?? 0n;
  }

  setBalance(address: string, denom: string, amount: bigint): void {
    let m = this.balances.get(address);
    if (!m) {
      m = new Map(this.parent?.balanceMap(address) ?? []);
      this.balances.set(address, m);
    }
    m.set(denom, amount);
  }

  allBalances(address: string): { denom: string; amount: bigint }[] {
    const m = this.balanceMap(address);
    if (!m) return [];
    return [...m.entries()]
      .filter(([, a]) => a > 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([denom, amount]) => ({ denom, amount }));
  }

  /** Every address with a balance map (merged view). */
  private allBalanceMaps(): Map<string, Map<string, bigint>> {
    const out = this.parent ? this.parent.allBalanceMaps() : new Map<string, Map<string, bigint>>();
    for (const [k, v] of this.balances) out.set(k, v);
    return out;
  }

  supply(denom: string): bigint {
    let total = 0n;
    for (const m of this.allBalanceMaps().values()) total += m.get(denom) ?? 0n;
    return total;
  }

  allDenoms(): string[] {
    const s = new Set<string>();
    for (const m of this.allBalanceMaps().values()) for (const d of m.keys()) s.add(d);
    return [...s].sort();
  }
}
