/** Shared module types: gRPC-style query handlers keyed by ABCI path. */
export type QueryHandler = (data: Uint8Array) => Uint8Array;
export type QueryRoutes = Map<string, QueryHandler>;
