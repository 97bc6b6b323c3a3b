/**
 * Keeps a chain's transactions in job order while several jobs are in flight: each job takes a turn
 * when it is picked up (BullMQ hands jobs out in queue order), does its slow independent work (attesting,
 * collecting signatures), then waits for its turn to take a nonce and broadcast, and hands the turn on
 * right after the broadcast, so the next job's transaction gets the next nonce while this one is mined.
 */
export interface Turn {
  /** resolves when every earlier turn is done */
  readonly ready: Promise<void>;
  /** hands the turn on; idempotent */
  done(): void;
}

export class Sequencer {
  private tail: Promise<void> = Promise.resolve();

  enter(): Turn {
    const previous = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.tail = previous.then(() => mine);
    // done() is idempotent because resolving a promise twice is (the second call does nothing)
    return { ready: previous, done: () => release() };
  }
}
