/**
 * What a job asks the submitter to get on chain, independent of the job kind (oracle updates today,
 * bridge deliveries next): the target, the calldata built NOW from the job's data and fresh signatures,
 * and a test for whether some other calldata (a journaled or mined transaction's) does the same work.
 * The test ignores what may legitimately differ between attempts (which valid signatures were used).
 * The journal (Redis, untrusted) is checked against it: a transaction that does other work is never
 * followed, resumed, replaced or counted as this job's.
 */
export interface TxWork {
  /** the contract the job's transactions must go to */
  to: string;
  /** true when `data` does this job's work */
  sameWork(data: string): boolean;
  /**
   * `to` is a contract: nothing is signed while it has no code there. A call to an address without code
   * "succeeds" (the estimate passes, the receipt says success) and does nothing; that is what a chain that was
   * reset (restarted empty) or a config pointing at another deployment looks like.
   */
  contract?: boolean;
}

export interface TxIntent extends TxWork {
  /** the calldata to sign for a new transaction */
  data: string;
}

/** An intent whose work is exactly one calldata (tests and simple jobs). */
export function exactIntent(to: string, data: string): TxIntent {
  return { to, data, sameWork: (d) => d.toLowerCase() === data.toLowerCase() };
}

/** exactIntent to a contract: refused while the target has no code (a reset chain, a wrong address). */
export function contractIntent(to: string, data: string): TxIntent {
  return { ...exactIntent(to, data), contract: true };
}
