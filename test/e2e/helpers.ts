/**
 * Helpers of the end-to-end test: waiting for on-chain state, reading the hub, checking delivery.
 * Everything reads the real chains and the real hub over RPC; nothing here is mocked.
 */
import { ethers } from "ethers";
import { hubInferenceAt } from "../../scripts/lib/hub";
import { ManifestChain } from "../../scripts/lib/manifest";
import { OnChainInference, oracleAt, readInference } from "../../scripts/lib/oracle";
import { OracleReportEvent } from "../../scripts/lib/oracle-events";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `intervalMs` until it returns a value other than undefined; throws `what` on timeout. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export class ChainView {
  readonly provider: ethers.JsonRpcProvider;
  readonly oracle: ethers.Contract;
  constructor(readonly chain: ManifestChain) {
    this.provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
    this.provider.pollingInterval = 100;
    this.oracle = oracleAt(chain.contracts.oracle, this.provider);
  }
  read(topic: number): Promise<OnChainInference> {
    return readInference(this.oracle, topic);
  }
  blockNumber(): Promise<number> {
    return this.provider.getBlockNumber();
  }
  /**
   * Resolves once every transaction `address` has sent so far is mined (its mined count reaches the
   * pending count seen now); rejects if that does not happen in `timeoutMs`: a skipped account nonce
   * leaves every later transaction stuck forever.
   */
  async allMined(address: string, timeoutMs: number): Promise<number> {
    const pending = await this.provider.getTransactionCount(address, "pending");
    return until(
      `${this.chain.name}: ${address}'s transactions up to nonce ${pending - 1} to be mined`,
      async () =>
        (await this.provider.getTransactionCount(address, "latest")) >= pending ? pending : undefined,
      timeoutMs,
    );
  }
  /** True while `address` has a sent transaction that is not mined yet. */
  async hasPending(address: string): Promise<boolean> {
    const [pending, latest] = await Promise.all([
      this.provider.getTransactionCount(address, "pending"),
      this.provider.getTransactionCount(address, "latest"),
    ]);
    return pending > latest;
  }
  destroy(): void {
    this.provider.destroy();
  }
}

/**
 * A hub decimal as 18-decimal fixed point, truncated toward zero past 18 digits. Written here on its
 * own (not the relayer's converter) so that the test checks the relayer against an independent reading.
 */
export function hubDecimalToFixed18(dec: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(dec);
  if (!m) throw new Error(`not a decimal: ${dec}`);
  const frac = (m[3] ?? "").slice(0, 18).padEnd(18, "0");
  const magnitude = BigInt(m[2]) * 10n ** 18n + BigInt(frac);
  return m[1] ? -magnitude : magnitude;
}

/**
 * Hub heights strictly between `a` and `b` at which the hub made an inference for `topic`: nonces that
 * should have been delivered between two consecutive on-chain updates and were not.
 */
export async function hubNoncesBetween(
  hubRpc: string,
  topic: number,
  a: bigint,
  b: bigint,
): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let h = a + 1n; h < b; h++) {
    if ((await hubInferenceAt(hubRpc, topic, h)) !== undefined) out.push(h);
  }
  return out;
}

/** Per topic, the hub nonces that were made but never stored on chain between the first and last stored. */
export async function skippedNonces(
  hubRpc: string,
  events: OracleReportEvent[],
  topics: number[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const topic of topics) {
    const stored = [
      ...new Set(events.filter((e) => e.kind === "updated" && e.topicId === topic).map((e) => e.nonce)),
    ].sort((x, y) => (x < y ? -1 : 1));
    for (let i = 1; i < stored.length; i++) {
      const missing = await hubNoncesBetween(hubRpc, topic, stored[i - 1], stored[i]);
      if (missing.length) problems.push(`topic ${topic}: hub nonces ${missing.join(", ")} never stored`);
    }
  }
  return problems;
}

/** Account nonces of `from`'s transactions in `txs` that leave a gap (sorted, each must be previous + 1). */
export function accountNonceGaps(txs: { from: string; nonce: number }[], from: string): string[] {
  const nonces = txs
    .filter((t) => t.from.toLowerCase() === from.toLowerCase())
    .map((t) => t.nonce)
    .sort((a, b) => a - b);
  const gaps: string[] = [];
  for (let i = 1; i < nonces.length; i++) {
    if (nonces[i] !== nonces[i - 1] + 1) gaps.push(`${from} nonce ${nonces[i - 1]} -> ${nonces[i]}`);
  }
  return gaps;
}
