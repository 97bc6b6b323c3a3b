/**
 * Reads from the hub (the devnet or a real node) over CometBFT JSON-RPC: latest height and the
 * latest network inference per topic (emissions GetLatestNetworkInferences over abci_query, v10 or v9,
 * whichever the hub serves; the request messages are the same in both).
 */
import {
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetLatestNetworkInferencesResponseV10,
  GetNetworkInferencesAtBlockResponseV10,
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

interface AbciAnswer {
  response: { code: number; value: string | null; log?: string };
}

/** code 6 = `unknown query path`: the hub does not serve that emissions version */
const UNKNOWN_QUERY_PATH = 6;

/**
 * Asks the emissions.v10 query service, then v9 when the hub does not serve v10 (a hub serves its current
 * version only). Answers the raw value and the version that answered, or undefined on any other error.
 */
async function emissionsQuery(
  rpc: string,
  method: "GetLatestNetworkInferences" | "GetNetworkInferencesAtBlock",
  data: Uint8Array,
): Promise<{ version: "v10" | "v9"; value: Buffer } | undefined> {
  for (const version of ["v10", "v9"] as const) {
    const res = await jsonRpc<AbciAnswer>(rpc, "abci_query", {
      path: `/emissions.${version}.QueryService/${method}`,
      data: Buffer.from(data).toString("hex"),
      height: "0",
      prove: false,
    });
    if (res.response.code === UNKNOWN_QUERY_PATH) continue;
    if (res.response.code !== 0 || !res.response.value) return undefined;
    return { version, value: Buffer.from(res.response.value, "base64") };
  }
  return undefined;
}

/** The first label's combined value of a v10 bundle (these scripts read single-value topics). */
const firstLabel = (b: { combinedValue: { value: string }[] } | undefined) => b?.combinedValue[0]?.value;

/** The topic's latest network inference, or undefined when the hub has none yet. */
export async function latestHubInference(rpc: string, topicId: number): Promise<HubInference | undefined> {
  const res = await emissionsQuery(rpc, "GetLatestNetworkInferences", toBytes(GetLatestNetworkInferencesRequest, { topicId: BigInt(topicId) }));
  if (!res) return undefined;
  if (res.version === "v10") {
    const out = GetLatestNetworkInferencesResponseV10.decode(res.value);
    const value = firstLabel(out.networkInferences);
    return value === undefined ? undefined : { topicId, value, height: out.inferenceBlockHeight };
  }
  const out = GetLatestNetworkInferencesResponse.decode(res.value);
  if (!out.networkInferences) return undefined;
  return { topicId, value: out.networkInferences.combinedValue, height: out.inferenceBlockHeight };
}

/** The topic's network inference made at `height`, or undefined when the hub has none there. */
export async function hubInferenceAt(rpc: string, topicId: number, height: bigint): Promise<string | undefined> {
  const req = toBytes(GetNetworkInferencesAtBlockRequest, { topicId: BigInt(topicId), blockHeightLastInference: height });
  const res = await emissionsQuery(rpc, "GetNetworkInferencesAtBlock", req);
  if (!res) return undefined;
  if (res.version === "v10") return firstLabel(GetNetworkInferencesAtBlockResponseV10.decode(res.value).networkInferences);
  return GetNetworkInferencesAtBlockResponse.decode(res.value).networkInferences?.combinedValue;
}
