/**
 * A cosmjs QueryClient extension for the emissions.v9 queries the relayer needs, on the project's own
 * protobuf codecs (lib/allora-proto). Usage:
 *   const q = QueryClient.withExtensions(cometClient, setupEmissionsExtension);
 *   await q.emissions.latestNetworkInferences(1n);
 */
import { createProtobufRpcClient, QueryClient } from "@cosmjs/stargate";
import {
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetNextTopicIdRequest,
  GetNextTopicIdResponse,
  GetTopicRequest,
  GetTopicResponse,
  QUERY_SERVICE,
} from "../../lib/allora-proto";

export interface EmissionsExtension {
  readonly emissions: {
    latestNetworkInferences(topicId: bigint): Promise<GetLatestNetworkInferencesResponse>;
    networkInferencesAtBlock(topicId: bigint, blockHeight: bigint): Promise<GetNetworkInferencesAtBlockResponse>;
    topic(topicId: bigint): Promise<GetTopicResponse>;
    nextTopicId(): Promise<bigint>;
  };
}

export function setupEmissionsExtension(base: QueryClient): EmissionsExtension {
  const rpc = createProtobufRpcClient(base);
  const call = (method: string, data: Uint8Array) => rpc.request(QUERY_SERVICE, method, data);
  return {
    emissions: {
      latestNetworkInferences: async (topicId) =>
        GetLatestNetworkInferencesResponse.decode(
          await call("GetLatestNetworkInferences", GetLatestNetworkInferencesRequest.encode({ topicId }).finish()),
        ),
      networkInferencesAtBlock: async (topicId, blockHeight) =>
        GetNetworkInferencesAtBlockResponse.decode(
          await call(
            "GetNetworkInferencesAtBlock",
            GetNetworkInferencesAtBlockRequest.encode({ topicId, blockHeightLastInference: blockHeight }).finish(),
          ),
        ),
      topic: async (topicId) => GetTopicResponse.decode(await call("GetTopic", GetTopicRequest.encode({ topicId }).finish())),
      nextTopicId: async () =>
        GetNextTopicIdResponse.decode(await call("GetNextTopicId", GetNextTopicIdRequest.encode({}).finish())).nextTopicId,
    },
  };
}

/** The emissions query service version a hub answers. */
export type EmissionsVersion = "v10" | "v9";

/**
 * Asks the hub which emissions query service it answers, newest first: a hub registers only its
 * current version (allora-chain x/emissions/module/module.go), so `GetNextTopicId` answers on exactly
 * one of them; the others fail with `unknown query path`. Other errors (network, pruning) propagate.
 * Logs the answer when given a logger.
 */
export async function probeEmissionsVersion(
  base: QueryClient,
  log?: { info(obj: object, msg: string): void },
): Promise<EmissionsVersion> {
  for (const version of ["v10", "v9"] as const) {
    try {
      await base.queryAbci(`/emissions.${version}.QueryService/GetNextTopicId`, GetNextTopicIdRequest.encode({}).finish());
      log?.info({ emissionsVersion: version }, `hub answers emissions.${version} queries`);
      return version;
    } catch (e) {
      if (!/unknown query path/.test(String((e as Error)?.message ?? e))) throw e;
    }
  }
  throw new Error(
    "the hub answers neither emissions.v10 nor emissions.v9 queries (unknown query path for both GetNextTopicId); " +
      "point hub RPC at an Allora hub node, or upgrade the relayer if the hub moved past v10",
  );
}
