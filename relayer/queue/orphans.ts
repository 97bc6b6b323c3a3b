/**
 * Requeues jobs a dead worker left active: once their lock has expired they go back to the FRONT of
 * their priority (BullMQ's moveToWait without a token), so they are processed before newer jobs.
 * BullMQ's own stalled check would requeue them only later, behind the jobs added meanwhile, and their
 * reports would then arrive after newer ones (skipped on chain, a gap in the topic's history).
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export async function requeueOrphans(
  queue: Queue,
  redis: Redis,
  prefix: string,
  waitForLocksMs: number,
  log: Logger,
  stopping: () => boolean = () => false,
): Promise<number> {
  const deadline = Date.now() + waitForLocksMs;
  let moved = 0;
  for (;;) {
    let locked = 0;
    for (const j of await queue.getActive()) {
      if (!j?.id) continue;
      if (await redis.exists(`${prefix}:${queue.name}:${j.id}:lock`)) {
        locked++;
        continue;
      }
      try {
        await j.moveToWait(); // moves it only if it is still active (atomic in BullMQ's script)
        moved++;
      } catch (e) {
        log.warn({ queue: queue.name, jobId: j.id, err: (e as Error).message }, "could not requeue an orphaned job");
      }
    }
    if (locked === 0 || Date.now() > deadline || stopping()) return moved;
    await new Promise((r) => setTimeout(r, 200));
  }
}
