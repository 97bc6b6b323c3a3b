/**
 * What a node's answer to eth_sendRawTransaction or eth_estimateGas means, from ethers' error code or the
 * node's message (clients word them differently; ethers maps only some of them to codes). Pure: the sender
 * decides what to do with each kind.
 */

interface NodeError {
  code?: string;
  message?: string;
}

const messageOf = (e: unknown): string => (e as NodeError | undefined)?.message ?? "";
const codeOf = (e: unknown): string | undefined => (e as NodeError | undefined)?.code;

/** The submitter cannot pay: geth/erigon "insufficient funds", Hardhat "Sender doesn't have enough funds". */
export function isInsufficientFunds(e: unknown): boolean {
  return (
    codeOf(e) === "INSUFFICIENT_FUNDS" ||
    /insufficient funds|doesn't have enough funds|not enough funds/i.test(messageOf(e))
  );
}

/** The nonce was already used by a mined transaction: geth "nonce too low", Hardhat "Nonce too low". */
export function isNonceTooLow(e: unknown): boolean {
  return (
    codeOf(e) === "NONCE_EXPIRED" ||
    /nonce too low|nonce has already been used|already been used/i.test(messageOf(e))
  );
}

/** The node holds these exact bytes already: a rebroadcast, not a failure (geth "already known", Hardhat "Known transaction"). */
export function isAlreadyKnown(e: unknown): boolean {
  return /already known|known transaction|already imported/i.test(messageOf(e));
}

/** A replacement that does not raise the fees enough, or a fee below the node's floor. */
export function isUnderpriced(e: unknown): boolean {
  return codeOf(e) === "REPLACEMENT_UNDERPRICED" || /underpriced|fee too low|replacement/i.test(messageOf(e));
}
