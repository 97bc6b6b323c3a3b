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
