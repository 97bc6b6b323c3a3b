/**
 * The emissions queries the relayer needs, on the project's own protobuf codecs (lib/allora-proto):
 * - `setupEmissionsExtension`: a cosmjs QueryClient extension for the emissions.v9 queries
 *   (`QueryClient.withExtensions(cometClient, setupEmissionsExtension).emissions.latestNetworkInferences(1n)`);
 * - `probeEmissionsVersion`: which query service (v10 or v9) a hub answers;
 * - `emissionsReader(base, version)`: the same queries against either version, answering the
 *   version-neutral NetworkBundle (bundle.ts).
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
  GetLatestNetworkInferencesRequestV10,
  GetLatestNetworkInferencesResponseV10,
  GetNetworkInferencesAtBlockRequestV10,
  GetNetworkInferencesAtBlockResponseV10,
  GetNextTopicIdRequestV10,
  GetNextTopicIdResponseV10,
  QUERY_SERVICE_V10,
} from "../../lib/allora-proto";
import { EmissionsVersion, fromV10Bundle, fromV9Bundle, NetworkBundle } from "./bundle";

export type { EmissionsVersion } from "./bundle";

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

/** The emissions queries the relayer makes, in the version-neutral shape. */
export interface EmissionsReader {
  readonly version: EmissionsVersion;
  /** the topic's latest network inference; `bundle` undefined when the hub has none yet */
  latestNetworkInferences(topicId: bigint): Promise<{ inferenceBlockHeight: bigint; bundle?: NetworkBundle }>;
  /** the topic's network inference of the epoch `nonce` (undefined: none in the answer) */
  networkInferencesAtBlock(topicId: bigint, nonce: bigint): Promise<NetworkBundle | undefined>;
  nextTopicId(): Promise<bigint>;
}

/** The emissions queries against the query service of `version` (found with probeEmissionsVersion). */
export function emissionsReader(base: QueryClient, version: EmissionsVersion): EmissionsReader {
  const rpc = createProtobufRpcClient(base);
  if (version === "v9") {
    const call = (method: string, data: Uint8Array) => rpc.request(QUERY_SERVICE, method, data);
    return {
      version,
      latestNetworkInferences: async (topicId) => {
        const res = GetLatestNetworkInferencesResponse.decode(
          await call("GetLatestNetworkInferences", GetLatestNetworkInferencesRequest.encode({ topicId }).finish()),
        );
        const b = res.networkInferences;
        return { inferenceBlockHeight: res.inferenceBlockHeight, bundle: b && fromV9Bundle(b, res.inferenceBlockHeight) };
      },
      networkInferencesAtBlock: async (topicId, nonce) => {
        const b = GetNetworkInferencesAtBlockResponse.decode(
          await call("GetNetworkInferencesAtBlock", GetNetworkInferencesAtBlockRequest.encode({ topicId, blockHeightLastInference: nonce }).finish()),
        ).networkInferences;
        return b && fromV9Bundle(b, nonce);
      },
      nextTopicId: async () =>
        GetNextTopicIdResponse.decode(await call("GetNextTopicId", GetNextTopicIdRequest.encode({}).finish())).nextTopicId,
    };
  }
  const call = (method: string, data: Uint8Array) => rpc.request(QUERY_SERVICE_V10, method, data);
  return {
    version,
    latestNetworkInferences: async (topicId) => {
      const res = GetLatestNetworkInferencesResponseV10.decode(
        await call("GetLatestNetworkInferences", GetLatestNetworkInferencesRequestV10.encode({ topicId }).finish()),
      );
      const b = res.networkInferences;
      return { inferenceBlockHeight: res.inferenceBlockHeight, bundle: b && fromV10Bundle(b, res.inferenceBlockHeight) };
    },
    networkInferencesAtBlock: async (topicId, nonce) => {
      const b = GetNetworkInferencesAtBlockResponseV10.decode(
        await call("GetNetworkInferencesAtBlock", GetNetworkInferencesAtBlockRequestV10.encode({ topicId, blockHeightLastInference: nonce }).finish()),
      ).networkInferences;
      return b && fromV10Bundle(b, nonce);
    },
    nextTopicId: async () =>
      GetNextTopicIdResponseV10.decode(await call("GetNextTopicId", GetNextTopicIdRequestV10.encode({}).finish())).nextTopicId,
  };
}
