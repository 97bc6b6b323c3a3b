/**
 * Verifiable synthesis, the I/O part: fetches what the pure check (synthesis-check.ts) needs for one
 * (topic, nonce) from the hub, all "at the block" of the nonce (the ABCI query's height parameter): the
 * network bundle, the topic (p, c, epsilon, initial regret), the cached regret scale and one regret per
 * worker of the bundle (inferer, forecaster, naive inferer). Uses the project's own codecs
 * (lib/allora-proto/regrets.ts), so the same code runs against the devnet and a real hub node; the node
 * must still hold the state of that height (not pruned past it).
 */
import type { Comet38Client } from "@cosmjs/tendermint-rpc";
import {
  GetForecasterNetworkRegretRequest,
  GetInfererNetworkRegretRequest,
  GetLatestRegretStdNormRequest,
  GetLatestRegretStdNormResponse,
  GetNaiveInfererNetworkRegretRequest,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetTopicRequest,
  GetNetworkInferencesAtBlockRequestV10,
  GetNetworkInferencesAtBlockResponseV10,
  GetTopicRequestV10,
  GetTopicResponse,
  GetTopicResponseV10,
  MessageCodec,
  NetworkRegretResponse,
  QueryPaths,
  QueryPathsV10,
  regretQueryPaths,
  toBytes,
} from "../../lib/allora-proto";
import { fromV10Bundle, type EmissionsVersion } from "../hub/bundle";
import { ChainVersion, Dec, parseDec } from "../../synthesis";
import type { BundleParts, HubRegret, SynthesisInputs } from "./synthesis-check";

export interface SynthesisMaterial {
  /** the values checked: a v9 bundle, or the first label of a v10 bundle */
  bundle: BundleParts;
  inputs: SynthesisInputs;
}

/** An ABCI query at a height: (path, request bytes, height) -> response bytes; throws on a non-zero code. */
export type AbciAt = (path: string, data: Uint8Array, height: number) => Promise<Uint8Array>;

/** AbciAt over a cosmjs CometBFT client. */
export function abciAt(client: () => Comet38Client): AbciAt {
  return async (path, data, height) => {
    const res = await client().abciQuery({ path, data, height });
    if (res.code !== 0) throw new Error(`${path} at height ${height}: code ${res.code} ${res.log ?? ""}`.trim());
    return res.value;
  };
}

function decOr(raw: string | undefined, fallback: string, what: string): Dec {
  return parseDec(raw === undefined || raw === "" ? fallback : raw, what);
}

/** Fetches the bundle and the regrets of (topic, nonce) at height `nonce`. */
export async function fetchSynthesisMaterial(
  query: AbciAt,
  topicId: number,
  nonce: bigint,
  opts: { emissionsVersion?: EmissionsVersion; chainVersion?: ChainVersion } = {},
): Promise<SynthesisMaterial> {
  const height = Number(nonce);
  const paths = regretQueryPaths(opts.emissionsVersion ?? "v9");
  const ask = async <Req extends object, Res extends object>(path: string, req: MessageCodec<Req>, msg: Req, res: MessageCodec<Res>) =>
    res.decode(await query(path, toBytes(req, msg), height));
  const t = BigInt(topicId);
  const v10 = opts.emissionsVersion === "v10";
  // The bundle and the topic from the service the node answers (a current hub answers v10 only); a v10
  // bundle's first label is checked (the regret queries return one regret per worker, not per label).
  const bundleOf = async (): Promise<BundleParts | undefined> => {
    if (!v10) {
      const r = await ask(QueryPaths.GetNetworkInferencesAtBlock, GetNetworkInferencesAtBlockRequest, { topicId: t, blockHeightLastInference: nonce }, GetNetworkInferencesAtBlockResponse);
      return r.networkInferences;
    }
    const r = await ask(QueryPathsV10.GetNetworkInferencesAtBlock, GetNetworkInferencesAtBlockRequestV10, { topicId: t, blockHeightLastInference: nonce }, GetNetworkInferencesAtBlockResponseV10);
    return r.networkInferences && fromV10Bundle(r.networkInferences, nonce).labels[0];
  };
  const topicOf = async () =>
    v10
      ? (await ask(QueryPathsV10.GetTopic, GetTopicRequestV10, { topicId: t }, GetTopicResponseV10)).topic
      : (await ask(QueryPaths.GetTopic, GetTopicRequest, { topicId: t }, GetTopicResponse)).topic;
  const [bundle, topic, scaleRes] = await Promise.all([
    bundleOf(),
    topicOf(),
    ask(paths.GetLatestRegretStdNorm, GetLatestRegretStdNormRequest, { topicId: t }, GetLatestRegretStdNormResponse),
  ]);
  if (!bundle) throw new Error(`topic ${topicId}: the hub returned no network inferences at ${nonce}`);
  if (!topic) throw new Error(`topic ${topicId}: the hub returned no topic at height ${height}`);
  const regret = async (path: string, req: MessageCodec<never> | MessageCodec<object>, msg: object, who: string): Promise<HubRegret> => {
    const r = (await ask(path, req as MessageCodec<object>, msg, NetworkRegretResponse)).regret;
    if (!r) throw new Error(`topic ${topicId}: the hub answered no regret for ${who} at height ${height}`);
    // the keeper answers a worker without a stored regret with the topic's initial regret at height 0
    return { value: parseDec(r.value, `regret of ${who}`), hasPrior: r.blockHeight > 0n };
  };
  const inferers = bundle.infererValues.map((x) => x.worker);
  const forecasters = bundle.forecasterValues.map((x) => x.worker);
  const [inf, naive, fc] = await Promise.all([
    Promise.all(inferers.map((w) => regret(paths.GetInfererNetworkRegret, GetInfererNetworkRegretRequest, { topicId: t, actorId: w }, w))),
    Promise.all(inferers.map((w) => regret(paths.GetNaiveInfererNetworkRegret, GetNaiveInfererNetworkRegretRequest, { topicId: t, inferer: w }, w))),
    Promise.all(forecasters.map((w) => regret(paths.GetForecasterNetworkRegret, GetForecasterNetworkRegretRequest, { topicId: t, worker: w }, w))),
  ]);
  return {
    bundle,
    inputs: {
      params: {
        pNorm: decOr(topic.pNorm, "3", "p_norm"),
        cNorm: decOr(topic.cNorm, "0.75", "c_norm"),
        epsilon: decOr(topic.epsilon, "0.0001", "epsilon"),
        chainVersion: opts.chainVersion,
      },
      initialRegret: decOr(topic.initialRegret, "0", "initial_regret"),
      regretScale: decOr(scaleRes.value, "0", "regret scale"),
      inferer: new Map(inferers.map((w, i) => [w, inf[i]])),
      naiveInferer: new Map(inferers.map((w, i) => [w, naive[i]])),
      forecaster: new Map(forecasters.map((w, i) => [w, fc[i]])),
    },
  };
}
