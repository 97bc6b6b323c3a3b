/**
 * Against real redis-server processes this test starts on 127.0.0.1:16391-16392:
 * - the start-time settings check: read through CONFIG GET, through INFO when CONFIG is forbidden (as on
 *   managed Redis), "unreadable" when both are, and a warning for each production setting missing;
 * - the state watch: after a kill -9 and a restart on the same port, the connection comes back by itself,
 *   and the watch says "kept" with the append-only file and "lost" without it.
 */
import { expect } from "chai";
import fs from "node:fs";
import IORedis from "ioredis";
import pino from "pino";
import { redisSchema } from "../../relayer/config/redis";
import { redisConnection } from "../../relayer/redis/connect";
import { checkRedisSettings, readRedisSettings } from "../../relayer/redis/settings";
import { RedisStateWatch, stateMarkerKey } from "../../relayer/redis/state";
import { RedisProc, requireRedisBinaries, startRedis, tempDir } from "./servers";

const SETTINGS_PORT = 16391;
const STATE_PORT = 16392;

function capture(): { log: pino.Logger; lines: Array<{ level: number; msg: string; alert?: string }> } {
  const lines: Array<{ level: number; msg: string; alert?: string }> = [];
  const log = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { log, lines };
}

const until = async (what: string, fn: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("Redis: production settings check and lost-state watch", function () {
  this.timeout(60_000);
  const procs: RedisProc[] = [];
  const dirs: string[] = [];
  before(() => requireRedisBinaries());
  after(async () => {
    for (const p of procs) await p.kill();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("reads the settings by CONFIG, by INFO when CONFIG is forbidden, and says when it can read neither", async () => {
    const dir = tempDir("settings");
    dirs.push(dir);
    // The defaults a fresh Debian redis-server has: no AOF; and an eviction policy BullMQ cannot live with.
    procs.push(await startRedis(SETTINGS_PORT, dir, { appendonly: false, extra: ["--maxmemory-policy", "allkeys-lru"] }));
    const admin = new IORedis({ port: SETTINGS_PORT, host: "127.0.0.1" });
    await admin.call("ACL", "SETUSER", "noconfig", "on", ">pw-noconfig", "~*", "&*", "+@all", "-config");
    await admin.call("ACL", "SETUSER", "nothing", "on", ">pw-nothing", "~*", "&*", "+@all", "-config", "-info");
    admin.disconnect();

    const as = (username?: string, password?: string) => redisConnection(redisSchema.parse({ url: `redis://${username ? `${username}:${password}@` : ""}127.0.0.1:${SETTINGS_PORT}` }));
    const full = as();
    const { log, lines } = capture();
    const [s] = await checkRedisSettings(full, log);
    expect(s).to.deep.include({ source: "config", appendonly: "no", maxmemoryPolicy: "allkeys-lru" });
    const warns = lines.filter((l) => l.level === 40 && l.alert === "redis_settings").map((l) => l.msg);
    expect(warns).to.have.length(2);
    expect(warns.join("\n")).to.contain("appendonly yes").and.contain("maxmemory-policy noeviction");
    full.disconnect();

    const noConfig = as("noconfig", "pw-noconfig");
    expect(await readRedisSettings(noConfig)).to.deep.include({ source: "info", appendonly: "no", maxmemoryPolicy: "allkeys-lru" });
    noConfig.disconnect();

    const nothing = as("nothing", "pw-nothing");
    const c2 = capture();
    const [u] = await checkRedisSettings(nothing, c2.log);
    expect(u.source).to.equal("unreadable");
    const w = c2.lines.filter((l) => l.level === 40);
    expect(w).to.have.length(1);
    expect(w[0].msg).to.contain("cannot read the Redis settings").and.contain("going on");
    nothing.disconnect();
  });

  it("after kill -9 and restart the connection comes back by itself; the watch says kept (AOF) or lost (empty)", async () => {
    const aofDir = tempDir("state-aof");
    dirs.push(aofDir);
    let server = await startRedis(STATE_PORT, aofDir, { appendonly: true });
    procs.push(server);
    const redis = redisConnection(redisSchema.parse({ url: `redis://127.0.0.1:${STATE_PORT}` }));
    redis.on("error", () => undefined);
    const outcomes: string[] = [];
    const { log, lines } = capture();
    const watch = new RedisStateWatch(redis, "{state-test}", "test-1", log, (o) => outcomes.push(o));
    await watch.start();
    expect(outcomes).to.deep.equal(["first"]);
    expect(await redis.exists(stateMarkerKey("{state-test}"))).to.equal(1);

    // Killed and restarted with its append-only file: the marker is there.
    await server.kill();
    // A command issued while Redis is down waits in the offline queue and runs after the reconnect.
    const pending = redis.set("{state-test}:written-while-down", "1");
    server = await startRedis(STATE_PORT, aofDir, { appendonly: true });
    procs.push(server);
    await until("the watch to report kept", () => outcomes.includes("kept"));
    expect(await pending).to.equal("OK");

    // Killed and restarted empty (another directory, no AOF): the watch says what is rebuilt.
    await server.kill();
    const emptyDir = tempDir("state-empty");
    dirs.push(emptyDir);
    server = await startRedis(STATE_PORT, emptyDir, { appendonly: false });
    procs.push(server);
    await until("the watch to report lost", () => outcomes.includes("lost"));
    const lost = lines.find((l) => l.alert === "redis_state_lost");
    expect(lost?.msg).to.contain("WITHOUT this relayer's state").and.contain("submitter leases").and.contain("transfer checkpoints");
    // ...and marks the state again, so the next reconnect compares with the rebuilt state.
    expect(await redis.exists(stateMarkerKey("{state-test}"))).to.equal(1);
    watch.stop();
    redis.disconnect();
  });
});
