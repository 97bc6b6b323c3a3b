/**
 * The Redis scenarios' figures in bench/results/chaos-redis.json (one entry per scenario, replaced by each
 * run; `npm run test:chaos` merges the file into chaos.json). Measured by the test runs, not asserted on.
 */
import fs from "node:fs";
import path from "node:path";

export const REDIS_RESULTS = path.resolve(__dirname, "..", "..", "bench", "results", "chaos-redis.json");

export interface RedisScenario {
  injected: string;
  recovery_ms: number;
  updates_missed: number;
  duplicates: number;
  nonce_gaps: number;
  [key: string]: unknown;
}

export function recordRedisScenario(name: string, entry: RedisScenario): void {
  let data: { description: string; scenarios: Record<string, unknown> } = {
    description: "Redis faults under relayers on the local network (test/chaos/redis-restart.test.ts, test/chaos/redis-sentinel.test.ts, test/chaos/redis-cluster-failover.test.ts): real redis-server processes killed, restarted or failed over; measured by the test runs",
    scenarios: {},
  };
  try {
    data = { ...data, scenarios: (JSON.parse(fs.readFileSync(REDIS_RESULTS, "utf8")) as typeof data).scenarios ?? {} };
  } catch {
    // first run
  }
  data.scenarios[name] = { ...entry, recorded_at: new Date().toISOString() };
  fs.mkdirSync(path.dirname(REDIS_RESULTS), { recursive: true });
  fs.writeFileSync(`${REDIS_RESULTS}.tmp`, JSON.stringify(data, null, 2) + "\n");
  fs.renameSync(`${REDIS_RESULTS}.tmp`, REDIS_RESULTS);
}
