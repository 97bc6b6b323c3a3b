/**
 * e2e, verifiable synthesis (issue 13, part 3): the local network's attesters re-derive every combined
 * value from the hub's parts and the regrets the hub held at that height (verify: strict, the local
 * network's default). The devnet hub is made to publish bundles that do not add up:
 *  - "inconsistent": a plausible combined value (+1%) that was not made from the bundle's parts;
 *  - "inconsistent_parts": altered parts (inferer values +1%) under the honest combined value.
 * Expected: those nonces are never stored on any chain, the relayer logs the topic, nonce, both values and
 * the first part that differs and counts them (relayer_synthesis_mismatch_total), the topic is held and then
 * released once the hub and the attester agree again; the honest topics keep flowing all along.
 *
 * Ports, chain ids and the Redis namespace are the test's own (20545-20547, 20657, 20464).
 */
import { expect } from "chai";
import { startLocalNetwork, LocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { oracleActivity } from "../../scripts/lib/oracle-events";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { hubInferenceAt } from "../../scripts/lib/hub";
import { ChainView, hubDecimalToFixed18, until } from "./helpers";

const TOPICS = [1, 2, 3];
const FAULTY = 1;

describe("e2e: verifiable synthesis (attesters check the arithmetic)", function () {
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  let relayer: RelayerHandle;
  const firstBlock: Record<string, number> = {};
  const log = (line: string): void => console.log(`      ${line}`);

  const allChainsReach = (height: bigint, timeoutMs: number, topics: number[]) =>
    until(
      `all chains to store nonce >= ${height} for topics ${topics.join(", ")}`,
      async () => {
        for (const v of views) for (const t of topics) if ((await v.read(t)).nonce < height) return undefined;
        return true;
      },
      timeoutMs,
    );

  before(async function () {
    process.env.DEVNET_ETHEREUM_CHAIN_ID = "51337";
    process.env.DEVNET_BNB_CHAIN_ID = "51338";
    process.env.DEVNET_BASE_CHAIN_ID = "51339";
    const opts = resolveOptions({
      chainPorts: "20545,20546,20547",
      hubPort: "20657",
      metricsPort: "20464",
      stateDir: ".devnet/e2e-verify",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    views = net.manifest.chains.map((c) => new ChainView(c));
    for (const v of views) firstBlock[v.chain.name] = await v.blockNumber();
    relayer = net.startRelayer(1, {});
    await relayer.ready(90_000);
  });

  after(async function () {
    relayer?.log.close();
    for (const v of views) v.destroy();
    await stopNetwork?.();
    if (net) log(`deleted ${await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace)} Redis keys`);
  });

  it("honest bundles are verified and relayed on every chain (strict is the local network's default)", async function () {
    const h = BigInt(net.hub.height());
    await allChainsReach(h, 60_000, TOPICS);
    for (const v of views) {
      const stored = await v.read(2);
      const hub = await hubInferenceAt(net.manifest.hub.rpc, 2, stored.nonce);
      expect(stored.value).to.equal(hubDecimalToFixed18(hub!));
    }
    expect(relayer.log.lines.filter((l) => l.alert === "synthesis_mismatch"), "no mismatch on honest bundles").to.deep.equal([]);
  });

  it("bundles that do not add up are never stored; the topic is held, then released; the others keep flowing", async function () {
    const before = await Promise.all(views.map((v) => v.read(2)));
    const faultAt = BigInt(net.hub.height());
    await jsonRpc(net.manifest.hub.rpc, "devnet_injectFault", { topic_id: FAULTY, kind: "inconsistent", count: 2 });
    await jsonRpc(net.manifest.hub.rpc, "devnet_injectFault", { topic_id: FAULTY, kind: "inconsistent_parts", count: 2 });
    const first = await relayer.log.waitFor((l) => l.alert === "synthesis_mismatch" && Number(l.topicId) === FAULTY, 30_000, "a synthesis_mismatch line");
    log(`relayer logged: ${JSON.stringify(first).slice(0, 400)}`);
    for (const f of ["topicId", "nonce", "part", "hubValue", "attesterValue"]) expect(first, `log line has ${f}`).to.have.property(f);
    expect(first.part).to.equal("combined_value");
    expect(first.hubValue).to.not.equal(first.attesterValue);
    await relayer.log.waitFor((l) => /held on this chain/.test(String(l.msg)) && Number(l.topicId) === FAULTY, 10_000, "the hold line");
    // released once a later nonce adds up again, on every chain
    await relayer.log.waitFor((l) => /topic released/.test(String(l.msg)) && Number(l.topicId) === FAULTY, 60_000, "the release line");
    const after = BigInt(net.hub.height());
    await allChainsReach(after, 60_000, TOPICS);

    const bad = [...new Set(relayer.log.lines.filter((l) => l.alert === "synthesis_mismatch" && Number(l.topicId) === FAULTY).map((l) => BigInt(String(l.nonce))))].sort((a, b) => (a < b ? -1 : 1));
    expect(bad.length, `4 faulty epochs were published after ${faultAt}; mismatches: ${bad.join(", ")}`).to.equal(4);
    for (const v of views) {
      const act = await oracleActivity(v.provider, v.chain.contracts.oracle, firstBlock[v.chain.name], await v.blockNumber());
      const stored = act.events.filter((e) => e.kind === "updated" && e.topicId === FAULTY).map((e) => e.nonce);
      for (const n of bad) expect(stored, `${v.chain.name} stored the inconsistent nonce ${n}`).not.to.include(n);
      // the honest topics were stored during the faulty epochs, not only after them
      const honest = act.events.filter((e) => e.kind === "updated" && e.topicId === 2).map((e) => e.nonce);
      const during = honest.filter((n) => n >= bad[0] && n <= bad[bad.length - 1]);
      expect(during.length, `${v.chain.name} topic 2 flowed while topic 1 was held (bad ${bad.join(", ")}, stored ${honest.join(", ")})`).to.be.greaterThan(0);
    }
    for (const [i, v] of views.entries()) expect((await v.read(2)).nonce > before[i].nonce).to.equal(true);

    const metrics = await (await fetch(net.manifest.metrics)).text();
    const mismatches = metrics.split("\n").find((l) => l.startsWith("relayer_synthesis_mismatch_total") && l.includes(`topic="${FAULTY}"`));
    expect(mismatches, "relayer_synthesis_mismatch_total for the faulty topic").to.be.a("string");
    expect(Number(mismatches!.split(" ").pop())).to.equal(4);
    const held = metrics.split("\n").filter((l) => l.startsWith("relayer_synthesis_held{") && l.includes(`topic="${FAULTY}"`));
    expect(held.length).to.equal(views.length);
    for (const l of held) expect(l.endsWith(" 0"), `released: ${l}`).to.equal(true);
    log(`inconsistent nonces ${bad.join(", ")} never stored; topics 2 and 3 kept flowing; ${mismatches}`);
  });
});
