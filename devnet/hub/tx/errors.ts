/**
 * Cosmos SDK error codes (codespace "sdk", types/errors/errors.go) used by the devnet, and the
 * error type the ante handler / message handlers throw. The ABCI log is `${detail}: ${description}`,
 * the shape errorsmod.Wrap produces.
 */
export const SdkCodes = {
  TxDecode: { code: 2, desc: "tx parse error" },
  InvalidSequence: { code: 3, desc: "invalid sequence" },
  Unauthorized: { code: 4, desc: "unauthorized" },
  InsufficientFunds: { code: 5, desc: "insufficient funds" },
  UnknownRequest: { code: 6, desc: "unknown request" },
  InvalidAddress: { code: 7, desc: "invalid address" },
  InvalidPubKey: { code: 8, desc: "invalid pubkey" },
  UnknownAddress: { code: 9, desc: "unknown address" },
  InvalidCoins: { code: 10, desc: "invalid coins" },
  OutOfGas: { code: 11, desc: "out of gas" },
  MemoTooLarge: { code: 12, desc: "memo too large" },
  InsufficientFee: { code: 13, desc: "insufficient fee" },
  TooManySignatures: { code: 14, desc: "maximum number of signatures exceeded" },
  NoSignatures: { code: 15, desc: "no signatures supplied" },
  InvalidRequest: { code: 18, desc: "invalid request" },
  TxInMempoolCache: { code: 19, desc: "tx already in mempool" },
  MempoolIsFull: { code: 20, desc: "mempool is full" },
  TxTooLarge: { code: 21, desc: "tx too large" },
  KeyNotFound: { code: 22, desc: "key not found" },
  InvalidChainID: { code: 28, desc: "invalid chain-id" },
  TxTimeoutHeight: { code: 30, desc: "tx timeout height" },
  WrongSequence: { code: 32, desc: "incorrect account sequence" },
  NotFound: { code: 38, desc: "not found" },
  InvalidGasLimit: { code: 41, desc: "invalid gas limit" },
} as const;

export type SdkErrorKind = keyof typeof SdkCodes;

/** An error carrying an ABCI code, codespace and the log a Cosmos node would return. */
export class SdkError extends Error {
  readonly code: number;
  readonly codespace: string;
  constructor(kind: SdkErrorKind, detail?: string) {
    const { code, desc } = SdkCodes[kind];
    super(detail ? `${detail}: ${desc}` : desc);
    this.code = code;
    this.codespace = "sdk";
  }

  /** Wraps this error with more context, keeping the code (errorsmod.Wrap). */
  wrap(prefix: string): SdkError {
    const e = Object.create(SdkError.prototype) as SdkError;
    Object.assign(e, { code: this.code, codespace: this.codespace, message: `${prefix}: ${this.message}` });
    return e;
  }
}

/**
 * The ABCI query error a gRPC query returns (baseapp maps gRPC NotFound to ErrKeyNotFound,
 * InvalidArgument to ErrInvalidRequest); the log starts with "rpc error: code = ...", which is what
 * cosmjs' StargateClient.getAccount looks for.
 */
export class GrpcQueryError extends Error {
  readonly code: number;
  readonly codespace = "sdk";
  constructor(grpcCode: "NotFound" | "InvalidArgument" | "Unknown", detail: string) {
    const kind: SdkErrorKind =
      grpcCode === "NotFound" ? "KeyNotFound" : grpcCode === "InvalidArgument" ? "InvalidRequest" : "UnknownRequest";
    super(`rpc error: code = ${grpcCode} desc = ${detail}: ${SdkCodes[kind].desc}`);
    this.code = SdkCodes[kind].code;
  }
}
