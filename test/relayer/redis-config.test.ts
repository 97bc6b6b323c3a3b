/** The `redis:` section of the relayer config: one server, Sentinel or Cluster, each error naming the fix. */
import { expect } from "chai";
import { describeRedis, redisSchema } from "../../relayer/config/redis";
import { settingsProblems } from "../../relayer/redis/settings";

const issues = (raw: unknown): string => {
  const r = redisSchema.safeParse(raw);
  expect(r.success, "expected an error").to.equal(false);
  return JSON.stringify(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
};

describe("relayer config: redis", () => {
  it("accepts one server, a Sentinel primary or a Cluster, with the right default prefix", () => {
    expect(redisSchema.parse({ url: "redis://127.0.0.1:6379" })).to.deep.include({ prefix: "allora-relayer", tls: false });
    const s = redisSchema.parse({ sentinels: [{ host: "s1", port: 26379 }], name: "relayer", password: "p", sentinelPassword: "q", prefix: "relayer-a" });
    expect(s).to.deep.include({ name: "relayer", prefix: "relayer-a" });
    expect(redisSchema.parse({ cluster: [{ host: "c1", port: 7000 }] }).prefix).to.equal("{allora-relayer}");
    expect(redisSchema.parse({ url: "redis://h:1", prefix: "{tagged}" }).prefix).to.equal("{tagged}");
  });

  it("names what is wrong and what to write instead", () => {
    expect(issues({})).to.contain("give one of url");
    expect(issues({ url: "redis://h:1", cluster: [{ host: "c", port: 1 }] })).to.contain("only one of url, sentinels and cluster").and.contain("RELAYER_REDIS_URL");
    expect(issues({ sentinels: [{ host: "s", port: 26379 }] })).to.contain("name: with sentinels, give name");
    expect(issues({ url: "redis://h:1", name: "x" })).to.contain("needs sentinels");
    expect(issues({ url: "redis://h:1", password: "x" })).to.contain("write the user, password and TLS in the URL");
    expect(issues({ cluster: [{ host: "c", port: 7000 }], prefix: "plain" })).to.contain("hash tag such as {plain}").and.contain("CROSSSLOT");
    expect(issues({ url: "redis://h:1", prefix: "a b" })).to.contain("letters, digits");
    expect(issues({ sentinels: [{ host: "s", port: 70000 }], name: "x" })).to.contain("1-65535");
    expect(issues({ url: "localhost:6379" })).to.contain("redis:// or rediss://");
  });

  it("describes the target without its password", () => {
    expect(describeRedis(redisSchema.parse({ url: "redis://u:secret@h:6379/0" }))).to.equal("redis redis://***@h:6379/0");
    expect(describeRedis(redisSchema.parse({ sentinels: [{ host: "a", port: 1 }, { host: "b", port: 2 }], name: "m", password: "secret" }))).to.equal('redis sentinel primary "m" via a:1,b:2');
    expect(describeRedis(redisSchema.parse({ cluster: [{ host: "c", port: 7000 }], password: "secret" }))).to.not.contain("secret");
  });

  it("flags the production settings that are missing", () => {
    expect(settingsProblems({ node: "n", source: "config", appendonly: "yes", maxmemoryPolicy: "noeviction" })).to.deep.equal([]);
    const p = settingsProblems({ node: "n", source: "info", appendonly: "no", maxmemoryPolicy: "volatile-lru" });
    expect(p).to.have.length(2);
    expect(p[1]).to.contain("volatile-lru");
    expect(settingsProblems({ node: "n", source: "unreadable" })).to.deep.equal([]);
  });
});
