/** Shared module types: gRPC-style query handlers keyed by ABCI path. */
/** `height`: the ABCI query's height parameter when the caller gave one (state "at that block"). */
export type QueryHandler = (data: Uint8Array, height?: number) => Uint8Array;
export type QueryRoutes = Map<string, QueryHandler>;
