/** Chain readings shared by the Redis fault scenarios (test/chaos/redis-*.test.ts). */
import { ethers } from "ethers";

/** Account nonces of every transaction `from` sent in blocks [fromBlock, toBlock] (oracle and bridge alike). */
export async function senderNonces(provider: ethers.JsonRpcProvider, from: string, fromBlock: number, toBlock: number): Promise<number[]> {
  const out: number[] = [];
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) if (tx.from.toLowerCase() === from.toLowerCase()) out.push(tx.nonce);
  }
  return out.sort((a, b) => a - b);
}

/** The gaps in a sorted list of account nonces, e.g. "4 -> 6". */
export function gapsIn(nonces: number[]): string[] {
  const gaps: string[] = [];
  for (let i = 1; i < nonces.length; i++) if (nonces[i] !== nonces[i - 1] + 1) gaps.push(`${nonces[i - 1]} -> ${nonces[i]}`);
  return gaps;
}
