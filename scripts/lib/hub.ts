/**
 * Reads from the hub (the devnet or a real node) over CometBFT JSON-RPC: latest height and the
 * latest network inference per topic (emissions.v9 GetLatestNetworkInferences over abci_query).
 */
import {
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  QueryPaths,
  toBytes,
} from "../../lib/allora-proto";
import { jsonRpc } from "./json-rpc";

export interface HubInference {
  topicId: number;
  /** The network inference as the hub's decimal string (may be malformed: it is hub data). */
  value: string;
  /** The block height the inference was made at (the oracle's nonce). */
  height: bigint;
}

export async function hubHeight(rpc: string): Promise<bigint> {
  const status = await jsonRpc<{ sync_info: { latest_block_height: string } }>(rpc, "status", {});
  return BigInt(status.sync_info.latest_block_height);
}

/** The block time of `height` in milliseconds since the epoch. */
export async function hubBlockTimeMs(rpc: string, height: bigint): Promise<number> {
  const res = await jsonRpc<{ block: { header: { time: string } } }>(rpc, "block", {
    height: height.toString(),
  });
  return Date.parse(res.block.header.time);
}

/** The topic's latest network inference, or undefined when the hub has none yet. */
export async function latestHubInference(rpc: string, topicId: number): Promise<HubInference | undefined> {
  const data = Buffer.from(toBytes(GetLatestNetworkInferencesRequest, { topicId: BigInt(topicId) })).toString(
    "hex",
  );
  const res = await jsonRpc<{ response: { code: number; value: string | null; log?: string } }>(
    rpc,
    "abci_query",
    {
      path: QueryPaths.GetLatestNetworkInferences,
      data,
      height: "0",
      prove: false,
    },
  );
  if (res.response.code !== 0 || !res.response.value) return undefined;
  const out = GetLatestNetworkInferencesResponse.decode(Buffer.from(res.response.value, "base64"));
  if (!out.networkInferences) return undefined;
  return { topicId, value: out.networkInferences.combinedValue, height: out.inferenceBlockHeight };
}

/** The topic's network inference made at `height`, or undefined when the hub has none there. */
export async function hubInferenceAt(
  rpc: string,
  topicId: number,
  height: bigint,
): Promise<string | undefined> {
  const data = Buffer.from(
    toBytes(GetNetworkInferencesAtBlockRequest, {
      topicId: BigInt(topicId),
      blockHeightLastInference: height,
    }),
  ).toString("hex");
  const res = await jsonRpc<{ response: { code: number; value: string | null } }>(rpc, "abci_query", {
    path: QueryPaths.GetNetworkInferencesAtBlock,
    data,
    height: "0",
    prove: false,
  });
  if (res.response.code !== 0 || !res.response.value) return undefined;
  const out = GetNetworkInferencesAtBlockResponse.decode(Buffer.from(res.response.value, "base64"));
  return out.networkInferences?.combinedValue;
}
