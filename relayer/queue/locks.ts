/**
 * BullMQ lock timing, the same for every worker of the daemon. A job's lock lasts `lockDurationMs`; BullMQ
 * renews it by default every half of that, on a timer of a quarter, so a loop held for about half the
 * duration loses it: the stalled check then hands the job out again while its first run goes on (measured
 * on the bridge bench under load: thousands of lost locks per run with 5 s locks, see one-run.ts). Renewing
 * every fifth of the duration (a timer of a tenth; one Redis script for all of a worker's jobs) lets a lock
 * survive a loop held for ~80 % of it, without lengthening the wait after a SIGKILL (lock + stalled check).
 */
export function workerLockOptions(lockDurationMs: number): { lockDuration: number; lockRenewTime: number; stalledInterval: number } {
  return { lockDuration: lockDurationMs, lockRenewTime: Math.max(100, Math.floor(lockDurationMs / 5)), stalledInterval: lockDurationMs };
}
