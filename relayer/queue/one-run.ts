/**
 * One run per job id in this process. BullMQ hands a job out again when its lock lapses, and a lock lapses
 * while the first run is still going whenever the event loop is held longer than the renewal period (half
 * the lock duration): measured on the bridge bench with the machine's cores taken by other work, 4,600 lost
 * locks in one run, and every re-handed delivery attested, checked and sent a second time. That extra work
 * lagged the loop further and lost more locks, until throughput collapsed. A second run of a job id that is
 * still running here waits for the first and returns its result; if the first fails (its lock is gone, so it
 * cannot finish the job), the second does the work itself. Exactly-once never depended on this (the chains
 * and the hub refuse a second payment): it keeps a loaded relayer from doing its work twice.
 */
export class OneRunPerJob {
  private readonly running = new Map<string, Promise<unknown>>();

  /** @param onJoined hears each run that waited for a first run of the same job instead of doing the work */
  constructor(private readonly onJoined: () => void = () => {}) {}

  async run<T>(jobId: string | undefined, work: () => Promise<T>): Promise<T> {
    if (jobId === undefined) return work();
    const first = this.running.get(jobId) as Promise<T> | undefined;
    if (first) {
      this.onJoined();
      try {
        return await first;
      } catch {
        // the first run failed: this one is the job's run now
        return this.run(jobId, work);
      }
    }
    const mine = work();
    this.running.set(jobId, mine);
    try {
      return await mine;
    } finally {
      if (this.running.get(jobId) === mine) this.running.delete(jobId);
    }
  }
}
