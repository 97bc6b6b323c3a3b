/**
 * The devnet's regret queries (emissions GetInfererNetworkRegret, GetForecasterNetworkRegret,
 * GetNaiveInfererNetworkRegret, GetLatestRegretStdNorm), answered like the chain's keeper: a worker
 * without a stored regret gets the topic's initial regret at block height 0. With the ABCI query's height
 * they answer the regrets the synthesis used at the newest epoch close at or before that height (so an
 * attester can re-derive an epoch's combined value); without it, the newest.
 */
import {
  GetForecasterNetworkRegretRequest,
  GetInfererNetworkRegretRequest,
  GetLatestRegretStdNormRequest,
  GetLatestRegretStdNormResponse,
  GetNaiveInfererNetworkRegretRequest,
  NetworkRegretResponse,
  regretQueryPaths,
  toBytes,
  Topic,
} from "../../../lib/allora-proto";
import type { RegretSnapshot } from "../simulation/participants";
import { QueryRoutes } from "./types";

/** What the regret routes read from the emissions module. */
export interface RegretStore {
  topicOr404(id: bigint): { topic: Topic; regrets: Map<bigint, RegretSnapshot> };
  regretsAt(rt: ReturnType<RegretStore["topicOr404"]>, height: number): { nonce: bigint; regrets: RegretSnapshot } | undefined;
}

type Kind = "inferer" | "forecaster" | "naiveInferer";

export function regretRoutes(store: RegretStore, version: string): QueryRoutes {
  const paths = regretQueryPaths(version);
  const snapshot = (topicId: bigint, height: number | undefined) => {
    const rt = store.topicOr404(topicId);
    const newest = [...rt.regrets.keys()].pop();
    return { rt, at: store.regretsAt(rt, height ?? Number(newest ?? 0n)) };
  };
  const regret = (kind: Kind, topicId: bigint, worker: string, height: number | undefined) => {
    const { rt, at } = snapshot(topicId, height);
    const stored = at?.regrets[kind][worker];
    const value =
      stored !== undefined
        ? { blockHeight: at!.nonce, value: stored }
        : { blockHeight: 0n, value: at?.regrets.initialRegret ?? (rt.topic.initialRegret || "0") };
    return toBytes(NetworkRegretResponse, { regret: value });
  };
  return new Map([
    [
      paths.GetInfererNetworkRegret,
      (data: Uint8Array, height?: number) => {
        const req = GetInfererNetworkRegretRequest.decode(data);
        return regret("inferer", req.topicId, req.actorId, height);
      },
    ],
    [
      paths.GetForecasterNetworkRegret,
      (data: Uint8Array, height?: number) => {
        const req = GetForecasterNetworkRegretRequest.decode(data);
        return regret("forecaster", req.topicId, req.worker, height);
      },
    ],
    [
      paths.GetNaiveInfererNetworkRegret,
      (data: Uint8Array, height?: number) => {
        const req = GetNaiveInfererNetworkRegretRequest.decode(data);
        return regret("naiveInferer", req.topicId, req.inferer, height);
      },
    ],
    [
      paths.GetLatestRegretStdNorm,
      (data: Uint8Array, height?: number) => {
        const req = GetLatestRegretStdNormRequest.decode(data);
        const { at } = snapshot(req.topicId, height);
        return toBytes(GetLatestRegretStdNormResponse, { value: at?.regrets.regretScale ?? "0" });
      },
    ],
  ]);
}
