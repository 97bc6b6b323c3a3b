/**
 * Application state of the hub devnet: accounts (auth) and balances (bank). Everything lives in
 * memory; `clone()` gives the CheckTx state (mempool view) and per-message rollback.
 */
import { Any } from "cosmjs-types/google/protobuf/any";

export interface Account {
  address: string;
  accountNumber: bigint;
  sequence: bigint;
  /** the account's public key as a protobuf Any, set by its first transaction (or at genesis) */
  pubKey?: Any;
}

export class ChainState {
  accounts = new Map<string, Account>();
  /** address -> denom -> amount */
  balances = new Map<string, Map<string, bigint>>();
  nextAccountNumber = 0n;

  clone(): ChainState {
    const c = new ChainState();
    for (const [k, v] of this.accounts) c.accounts.set(k, { ...v });
    for (const [k, v] of this.balances) c.balances.set(k, new Map(v));
    c.nextAccountNumber = this.nextAccountNumber;
    return c;
  }

  getAccount(address: string): Account | undefined {
    return this.accounts.get(address);
  }

  /** Creates the account if it does not exist (bank does this for a recipient). */
  ensureAccount(address: string): Account {
    let a = this.accounts.get(address);
    if (!a) {
      a = { address, accountNumber: this.nextAccountNumber, sequence: 0n };
      this.nextAccountNumber += 1n;
      this.accounts.set(address, a);
    }
    return a;
  }

  balance(address: string, denom: string): bigint {
    return this.balances.get(address)?.get(denom) ?? 0n;
  }

  allBalances(address: string): { denom: string; amount: bigint }[] {
    const m = this.balances.get(address);
    if (!m) return [];
    return [...m.entries()]
      .filter(([, a]) => a > 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([denom, amount]) => ({ denom, amount }));
  }

  setBalance(address: string, denom: string, amount: bigint): void {
    let m = this.balances.get(address);
    if (!m) {
      m = new Map();
      this.balances.set(address, m);
    }
    m.set(denom, amount);
  }

  supply(denom: string): bigint {
    let total = 0n;
    for (const m of this.balances.values()) total += m.get(denom) ?? 0n;
    return total;
  }

  allDenoms(): string[] {
    const s = new Set<string>();
    for (const m of this.balances.values()) for (const d of m.keys()) s.add(d);
    return [...s].sort();
  }
}
