/**
 * Pull mode, composed: the report signer (fed each new hub inference by the inference pipeline) and the report
 * service (mounted on the relayer's HTTP server). Both run in every instance: an instance without attester keys
 * signs nothing but still serves what the others signed.
 */
import type { Provider, Wallet } from "ethers";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { HubInference } from "../hub/events";
import { ReportService } from "./service";
import { AttesterSetCache, ReportSigner, type ReportChain } from "./signer";
import { ReportDemand, ReportStore } from "./store";

export interface PullReports {
  service: ReportService;
  /** hands new hub inferences to the signer (which signs the wanted ones); never throws */
  sign(inferences: readonly HubInference[]): void;
}

export function createPullReports(deps: {
  redis: Redis;
  prefix: string;
  chains: readonly { name: string; chainId: number; oracle: string; provider: () => Provider }[];
  attesters: readonly Wallet[];
  topics: readonly number[];
  hubChainId: string;
  log: Logger;
}): PullReports {
  const store = new ReportStore(deps.redis, deps.prefix);
  const sets = new AttesterSetCache();
  const chains: ReportChain[] = deps.chains.map((c) => ({ ...c }));
  const demand = new ReportDemand(deps.redis, deps.prefix);
  const signer = new ReportSigner({ chains, attesters: deps.attesters, store, sets, demand, topics: deps.topics, log: deps.log });
  const service = new ReportService({ chains, topics: deps.topics, hubChainId: deps.hubChainId, store, sets, demand, signer });
  return {
    service,
    sign: (inferences) => {
      void signer
        .observe(inferences.map((i) => ({ topicId: BigInt(i.topicId), value: i.value, nonce: i.nonce, timestamp: BigInt(i.timestamp) })))
        .catch((err: Error) => deps.log.warn({ err: err.message }, "pull reports: signing skipped"));
    },
  };
}
