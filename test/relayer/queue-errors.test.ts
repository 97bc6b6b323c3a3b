import { expect } from "chai";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import pino from "pino";
import { isRedisConnectionError, logQueueErrors } from "../../relayer/queue/errors";

describe("queue errors: connection errors are warnings, the rest errors", () => {
  it("recognises what Redis outages and failovers look like, and nothing else", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
    expect(isRedisConnectionError(refused)).to.equal(true);
    expect(isRedisConnectionError(new Error("Connection is closed."))).to.equal(true);
    expect(isRedisConnectionError(new Error("READONLY You can't write against a read only replica."))).to.equal(true);
    expect(isRedisConnectionError(new Error("LOADING Redis is loading the dataset in memory"))).to.equal(true);
    expect(isRedisConnectionError(new Error("Missing lock for job 7. moveToFinished"))).to.equal(false);
    expect(isRedisConnectionError(new Error("Unexpected token } in JSON at position 3"))).to.equal(false);
    expect(isRedisConnectionError(undefined)).to.equal(false);
  });

  it("logs each at its level with the caller's fields, and hands every error on", () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "debug" }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
    const emitter = new EventEmitter();
    const seen: string[] = [];
    logQueueErrors(emitter, log, { chain: "bnb" }, "worker error", (e) => seen.push(e.message));
    emitter.emit("error", new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    emitter.emit("error", new Error("Unexpected token } in JSON"));
    expect(lines.map((l) => [l.level, l.chain, l.msg])).to.deep.equal([
      [40, "bnb", "worker error: Redis connection error; reconnecting by itself"],
      [50, "bnb", "worker error"],
    ]);
    expect(seen).to.deep.equal(["connect ECONNREFUSED 127.0.0.1:6379", "Unexpected token } in JSON"]);
  });
});
