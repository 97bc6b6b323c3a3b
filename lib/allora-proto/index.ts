/**
 * Allora protobuf codecs (our own, written from the public allora-chain protos):
 * emissions.v3 ValueBundle and nested types, emissions.v9 Topic, the emissions.v9 QueryService
 * requests/responses used by the project, emissions.v9 typed events, and the emissions.v10 labelled
 * bundle, Topic, queries and event (v10.ts; the current hub answers v10 only, see README.md).
 *
 * Every codec has `typeUrl`, `encode(msg, writer?)`, `decode(bytes | reader, length?)`,
 * `fromPartial(obj)`, `toProtoJSON(msg)` and `fromProtoJSON(json)`, like cosmjs-types codecs.
 * 64-bit integers are bigint; decimals travel as strings (they may be "NaN" or malformed on the
 * wire; validating them is the consumer's job).
 *
 * Example (cosmjs):
 * ```ts
 * const res = await cometClient.abciQuery({ path: QueryPaths.GetLatestNetworkInferences,
 *   data: toBytes(GetLatestNetworkInferencesRequest, { topicId: 1n }) });
 * const out = GetLatestNetworkInferencesResponse.decode(res.value);
 * ```
 */
export * from "./codec";
export * from "./value-bundle";
export * from "./topic";
export * from "./query";
export * from "./events";
export * from "./v10";
export * from "./regrets";
