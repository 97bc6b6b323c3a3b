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
import type { ReportStore } from "./store";

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

export class ReportSigner {
  constructor(
    private readonly deps: {
      chains: readonly ReportChain[];
      attesters: readonly Wallet[];
      store: ReportStore;
      sets: AttesterSetCache;
      log: Logger;
    },
  ) {}

  /** Signs `input` for every chain with every local attester that is in that chain's current set. */
  async sign(input: OracleReportInput): Promise<void> {
    const report = toOracleReport(input);
    await Promise.all(
      this.deps.chains.map(async (chain) => {
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
