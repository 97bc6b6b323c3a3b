/**
 * The attester side of pull mode: each new hub inference is signed, per chain, as a single report under the
 * chain's current attester set, and the signatures are put in the shared store for the report service. Every
 * instance that holds attester keys does this for its own keys; the service combines what the set signed.
 */
import { Contract, type Provider, type Wallet } from "ethers";
import type { Logger } from "pino";
import { toOracleReport, type OracleReportInput } from "../../lib/eip712/oracle";
import { signDigest } from "../../lib/eip712/signatures";
import { singleReportDigest, type OnChainSet } from "./attested";
import type { ReportDemand, ReportStore } from "./store";

export interface ReportChain {
  name: string;
  chainId: number;
  oracle: string;
  provider: () => Provider;
}

const SET_ABI = ["function attesterSet() view returns (uint64 setId, address[] signers, uint8 threshold)"];

/** Reads (and caches for `ttlMs`) each chain's current attester set from its oracle. */
export class AttesterSetCache {
  private readonly cache = new Map<string, { at: number; set: OnChainSet }>();
  constructor(private readonly ttlMs = 5_000) {}

  async of(chain: ReportChain): Promise<OnChainSet> {
    const hit = this.cache.get(chain.name);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.set;
    const [id, signers, threshold] = (await new Contract(chain.oracle, SET_ABI, chain.provider()).attesterSet()) as [bigint, string[], bigint];
    const set = { id, signers: [...signers], threshold: Number(threshold) };
    this.cache.set(chain.name, { at: Date.now(), set });
    return set;
  }
}

/**
 * Signs single reports for the (chain, topic) pairs someone asked for lately (ReportDemand): each new hub
 * inference of a wanted topic as it arrives, and on a first request the topic's newest inference at once.
 */
export class ReportSigner {
  /** the newest inference seen per topic */
  private readonly latest = new Map<number, OracleReportInput>();

  constructor(
    private readonly deps: {
      chains: readonly ReportChain[];
      attesters: readonly Wallet[];
      store: ReportStore;
      sets: AttesterSetCache;
      demand?: ReportDemand;
      topics?: readonly number[];
      log: Logger;
    },
  ) {}

  /** New hub inferences: remembered, and signed for the chains that want them. */
  async observe(inputs: readonly OracleReportInput[]): Promise<void> {
    for (const i of inputs) {
      const t = Number(i.topicId);
      const prev = this.latest.get(t);
      if (!prev || BigInt(prev.nonce) < BigInt(i.nonce)) this.latest.set(t, i);
    }
    if (this.deps.attesters.length === 0) return;
    const wanted = this.deps.demand
      ? await this.deps.demand.wanted(this.deps.chains.map((c) => c.name), this.deps.topics ?? [...this.latest.keys()])
      : undefined;
    for (const i of inputs) {
      const chains = this.deps.chains.filter((c) => !wanted || wanted.has(`${c.name}:${Number(i.topicId)}`));
      if (chains.length) await this.sign(i, chains);
    }
  }

  /** Signs the newest inference of `topic` for `chain` now (a first request); false when none was seen yet. */
  async signLatest(chain: string, topic: number): Promise<boolean> {
    const input = this.latest.get(topic);
    const c = this.deps.chains.find((x) => x.name === chain);
    if (!input || !c || this.deps.attesters.length === 0) return false;
    await this.sign(input, [c]);
    return true;
  }

  /** Signs `input` for `chains` (default: all) with every local attester in that chain's current set. */
  async sign(input: OracleReportInput, chains: readonly ReportChain[] = this.deps.chains): Promise<void> {
    const report = toOracleReport(input);
    await Promise.all(
      chains.map(async (chain) => {
        try {
          const set = await this.deps.sets.of(chain);
          const digest = singleReportDigest(BigInt(chain.chainId), chain.oracle, set.id, report);
          for (const a of this.deps.attesters) {
            if (!set.signers.some((s) => s.toLowerCase() === a.address.toLowerCase())) continue;
            await this.deps.store.put(chain.name, report, set.id, a.address, signDigest(a.privateKey, digest));
          }
        } catch (err) {
          this.deps.log.warn({ chain: chain.name, topic: Number(report.topicId), nonce: Number(report.nonce), err: (err as Error).message }, "pull report not signed; the next inference will be");
        }
      }),
    );
  }
}
