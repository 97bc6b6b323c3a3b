/* eslint-disable @typescript-eslint/no-explicit-any -- JSON-RPC payloads are inspected loosely in assertions */
/**
 * The hub devnet driven only over its RPC with real @cosmjs clients: CometBFT methods, emissions
 * queries (decoded with lib/allora-proto, compared with a replay of the synthesis engine), events in
 * block_results / block_search and over websocket subscriptions, the fault hook and JSON-RPC errors.
 */
import { expect } from "chai";
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet, WebsocketClient } from "@cosmjs/tendermint-rpc";
import WebSocket from "ws";
import {
  EventNetworkInferences,
  fromTypedEvent,
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetNextTopicIdRequest,
  GetNextTopicIdResponse,
  GetTopicRequest,
  GetTopicResponse,
  QueryPaths,
  toBytes,
  ValueBundle,
} from "../../lib/allora-proto";
import { HubDevnet } from "../../devnet/hub/node";
import { TopicSimulation } from "../../devnet/hub/simulation/participants";
import { toValueBundle } from "../../devnet/hub/modules/emissions";
import { startTestNode } from "./helpers";

async function rpc(url: string, method: string, params: unknown = {}) {
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }) });
  return (await res.json()) as { id: number; result?: any; error?: { code: number; message: string; data: string } };
}

describe("hub devnet: CometBFT RPC and emissions (real cosmjs clients)", function () {
  let node: HubDevnet;
  let comet: Comet38Client;
  let query: QueryClient;

  const latest = async (topicId: bigint) =>
    GetLatestNetworkInferencesResponse.decode(
      await query.queryAbci(QueryPaths.GetLatestNetworkInferences, toBytes(GetLatestNetworkInferencesRequest, { topicId })).then((r) => r.value),
    );

  before(async () => {
    // emissions.v9 codecs under test: the devnet answers v9 too (its default is v10 only, as a current hub)
    node = await startTestNode({ bundleHistory: 8, emissionsQueryVersions: ["v9", "v10"] }, 200);
    const c = await connectComet(node.rpcUrl);
    expect(c).to.be.instanceOf(Comet38Client); // version auto-detection picks the 0.38 client
    comet = c as Comet38Client;
    query = QueryClient.withExtensions(comet);
    await node.waitForHeight(3);
  });
  after(async () => {
    comet?.disconnect();
    await node?.stop();
  });

  it("serves status, health, abci_info with the chain id and a moving height", async () => {
    const status = await comet.status();
    expect(status.nodeInfo.network).to.equal("allora-devnet-1");
    expect(status.syncInfo.latestBlockHeight).to.be.greaterThan(1);
    await comet.health();
    const info = await comet.abciInfo();
    expect(info.lastBlockHeight).to.be.greaterThanOrEqual(status.syncInfo.latestBlockHeight);
    await node.waitForHeight(status.syncInfo.latestBlockHeight + 1, 30_000);
    expect((await comet.status()).syncInfo.latestBlockHeight).to.be.greaterThan(status.syncInfo.latestBlockHeight);
  });

  it("serves blocks, headers, blockchain and commits that cosmjs decodes, with increasing heights and times", async () => {
    const b2 = await comet.block(2);
    const b3 = await comet.block(3);
    expect(b2.block.header.height).to.equal(2);
    expect(b2.block.header.chainId).to.equal("allora-devnet-1");
    expect(b3.block.header.lastBlockId?.hash).to.deep.equal(b2.blockId.hash);
    expect(b3.block.header.time.getTime()).to.be.greaterThan(b2.block.header.time.getTime());
    const b1 = await comet.block(1);
    expect(b1.block.lastCommit).to.equal(null);
    const chain = await comet.blockchain(1, 3);
    expect(chain.blockMetas.map((m) => m.header.height)).to.deep.equal([3, 2, 1]);
    const commit = await comet.commit(2);
    expect(commit.header.height).to.equal(2);
    const results = await comet.blockResults(2);
    expect(results.height).to.equal(2);
  });

  it("answers GetLatestNetworkInferences and GetNetworkInferencesAtBlock, matching a replay of the synthesis engine", async () => {
    // Today's chain rules weigh a worker only after 1/alpha epochs of experience (alpha 0.1: 10 epochs); before
    // that the combined value is the plain mean. Past them, the regrets make the weights unequal.
    await node.waitForHeight(14);
    const res = await latest(1n);
    const nonce = res.inferenceBlockHeight;
    expect(nonce > 0n).to.equal(true);
    const b = res.networkInferences!;
    expect(b.topicId).to.equal(1n);
    expect(b.reputerRequestNonce?.reputerNonce?.blockHeight).to.equal(nonce);
    expect(b.infererValues).to.have.length(3);
    expect(b.forecasterValues).to.have.length(2);

    // the same bundle by nonce
    const at = GetNetworkInferencesAtBlockResponse.decode(
      (
        await query.queryAbci(
          QueryPaths.GetNetworkInferencesAtBlock,
          toBytes(GetNetworkInferencesAtBlockRequest, { topicId: 1n, blockHeightLastInference: nonce }),
        )
      ).value,
    );
    expect(at.networkInferences).to.deep.equal(b);

    // replay: epoch k of topic 1 (epoch length 1) closes at height k
    const sim = new TopicSimulation(node.config.topics[0], "allo", "allora-devnet-1");
    let expected: ValueBundle | undefined;
    for (let k = 1n; k <= nonce; k++) expected = toValueBundle(1n, k, sim.step().bundle);
    expect(b).to.deep.equal(expected);
    // past 1/alpha epochs the regrets make the weights unequal: the combined value is not the plain mean
    const mean = b.infererValues.reduce((s, v) => s + Number(v.value), 0) / 3;
    expect(Math.abs(Number(b.combinedValue) - mean)).to.be.greaterThan(1e-9);
  });

  it("increases the nonce every epoch for every topic", async () => {
    const a1 = await latest(1n);
    const a2 = await latest(2n);
    await node.waitForHeight(Number(a1.inferenceBlockHeight) + 2);
    const c1 = await latest(1n);
    const c2 = await latest(2n);
    expect(c1.inferenceBlockHeight > a1.inferenceBlockHeight).to.equal(true);
    expect(c2.inferenceBlockHeight > a2.inferenceBlockHeight).to.equal(true);
    expect(c1.networkInferences!.combinedValue).to.not.equal(a1.networkInferences!.combinedValue);
  });

  it("answers GetTopic and GetNextTopicId", async () => {
    const t = GetTopicResponse.decode((await query.queryAbci(QueryPaths.GetTopic, toBytes(GetTopicRequest, { topicId: 2n }))).value);
    expect(t.topic?.id).to.equal(2n);
    expect(t.topic?.epochLength).to.equal(1n);
    expect(t.topic?.pNorm).to.equal("3");
    expect(t.topic?.allowNegative).to.equal(true);
    expect((t.topic?.epochLastEnded ?? 0n) > 0n).to.equal(true);
    expect(t.weight).to.equal("1");
    const n = GetNextTopicIdResponse.decode((await query.queryAbci(QueryPaths.GetNextTopicId, toBytes(GetNextTopicIdRequest, {}))).value);
    expect(n.nextTopicId).to.equal(3n);
  });

  it("answers NotFound (code 22) for unknown topics and pruned nonces, and code 6 for unknown paths", async () => {
    const r = await comet.abciQuery({ path: QueryPaths.GetTopic, data: toBytes(GetTopicRequest, { topicId: 99n }) });
    expect(r.code).to.equal(22);
    expect(r.log).to.match(/rpc error: code = NotFound desc = topic 99 not found/);
    await node.waitForHeight(12);
    const old = await comet.abciQuery({
      path: QueryPaths.GetNetworkInferencesAtBlock,
      data: toBytes(GetNetworkInferencesAtBlockRequest, { topicId: 1n, blockHeightLastInference: 1n }),
    });
    expect(old.code).to.equal(22);
    expect(old.log).to.match(/NotFound.*keeps the last 8 epochs/);
    try {
      await query.queryAbci("/emissions.v9.QueryService/NoSuchMethod", new Uint8Array());
      expect.fail("should throw");
    } catch (e) {
      expect(String(e)).to.match(/Query failed with \(6\): unknown query path/);
    }
  });

  it("emits EventNetworkInferences in block_results finalize_block_events with JSON-encoded values", async () => {
    const res = await latest(1n);
    const h = Number(res.inferenceBlockHeight);
    const br = await comet.blockResults(h);
    const evs = br.finalizeBlockEvents.filter((e) => e.type === "emissions.v9.EventNetworkInferences");
    expect(evs).to.have.length(2);
    const parsed = evs.map((e) => fromTypedEvent(EventNetworkInferences, e));
    const t1 = parsed.find((p) => p.topicId === 1n)!;
    expect(t1.nonce).to.equal(BigInt(h));
    expect(t1.bundle?.combinedValue).to.equal(res.networkInferences!.combinedValue);
    expect(t1.bundle?.infererAddresses).to.deep.equal(res.networkInferences!.infererValues.map((v) => v.worker));
    const raw = evs[0].attributes.find((a) => a.key === "topic_id")!.value;
    expect(raw).to.match(/^"\d+"$/);
  });

  it("finds blocks by event with block_search", async () => {
    const r = await comet.blockSearch({ query: "emissions.v9.EventNetworkInferences.topic_id='\"2\"' AND block.height <= 3" });
    expect(r.totalCount).to.equal(3);
  });

  it("pushes NewBlockEvents and NewBlock over the websocket (cosmjs WebsocketClient)", async () => {
    const ws = new WebsocketClient(node.rpcUrl.replace("http", "ws"));
    try {
      const got: any[] = [];
      const stream = ws.listen({
        jsonrpc: "2.0",
        id: 101,
        method: "subscribe",
        params: { query: "tm.event='NewBlockEvents' AND emissions.v9.EventNetworkInferences.topic_id='\"1\"'" },
      });
      await new Promise<void>((resolve, reject) => {
        const sub = stream.subscribe({
          next: (ev) => {
            got.push(ev);
            if (got.length === 2) {
              sub.unsubscribe();
              resolve();
            }
          },
          error: (e) => reject(new Error(String(e))),
        });
      });
      const [e1, e2] = got;
      expect(e1.data.type).to.equal("tendermint/event/NewBlockEvents");
      expect(Number(e2.data.value.height)).to.equal(Number(e1.data.value.height) + 1);
      const ev = e1.data.value.events.find((e: any) => e.type === "emissions.v9.EventNetworkInferences");
      expect(fromTypedEvent(EventNetworkInferences, ev).nonce).to.equal(BigInt(e1.data.value.height));
      expect(e1.events["tm.event"]).to.deep.equal(["NewBlockEvents"]);

      const wsComet = Comet38Client.create(ws);
      const block = await new Promise<any>((resolve, reject) => {
        const sub = wsComet.subscribeNewBlock().subscribe({
          next: (b) => {
            sub.unsubscribe();
            resolve(b);
          },
          error: reject,
        });
      });
      expect(block.header.chainId).to.equal("allora-devnet-1");
      // plain calls over the same websocket
      expect((await wsComet.status()).nodeInfo.network).to.equal("allora-devnet-1");
    } finally {
      ws.disconnect();
    }
  });

  it("devnet_injectFault makes the next bundles of a topic carry NaN / malformed values, then recovers", async () => {
    const combined = async (h: number, topicId: bigint): Promise<string> =>
      (await comet.blockResults(h)).finalizeBlockEvents
        .filter((e) => e.type === "emissions.v9.EventNetworkInferences")
        .map((e) => fromTypedEvent(EventNetworkInferences, e))
        .find((e) => e.topicId === topicId)!.bundle!.combinedValue;
    const isNumber = (v: string) => /^-?\d+(\.\d+)?$/.test(v);
    // Blocks keep coming while the two calls are made: the faults land in blocks after `before`, the first
    // no later than the block after the one in progress when the calls returned (`after` + 2).
    const before = node.height();
    const r = await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: "2", kind: "nan", count: 2 });
    expect(r.result.pending).to.equal(2);
    await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 2, kind: "malformed", count: 1 });
    const after = node.height();
    // Read topic 2's values block by block until the malformed one and one more have been produced.
    const values: { h: number; v: string }[] = [];
    for (let h = before + 1; !(values.length >= 2 && values[values.length - 2].v === "12.5.7e--x"); h++) {
      if (h > after + 20) expect.fail(`topic 2's faults did not all show by height ${h}: ${JSON.stringify(values)}`);
      await node.waitForHeight(h);
      values.push({ h, v: await combined(h, 2n) });
      expect(await combined(h, 1n), `topic 1 at height ${h}`).to.satisfy(isNumber); // topic 1 unaffected
    }
    const bad = values.filter((x) => !isNumber(x.v));
    expect(bad.map((x) => x.v)).to.deep.equal(["NaN", "NaN", "12.5.7e--x"]);
    expect(bad[1].h, "the two NaN bundles are consecutive").to.equal(bad[0].h + 1);
    expect(bad[0].h).to.be.at.most(after + 2);
    // If no block closed between the two calls, the malformed one comes right after the NaNs.
    if (after === before) expect(bad[2].h).to.equal(bad[1].h + 1);
    expect(values[values.length - 1].v, "recovers after the faults").to.satisfy(isNumber);
    const zero = await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 2, kind: "zero", count: 1 });
    expect(zero.error?.code).to.equal(-32602);
    const missing = await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 42, kind: "nan", count: 1 });
    expect(missing.error?.data).to.match(/topic 42 does not exist/);
  });

  it("serves the URI (GET) form and returns CometBFT-style JSON-RPC errors", async () => {
    const s: any = await (await fetch(`${node.rpcUrl}/status`)).json();
    expect(s.result.node_info.network).to.equal("allora-devnet-1");
    const data = Buffer.from(toBytes(GetTopicRequest, { topicId: 1n })).toString("hex");
    const q: any = await (await fetch(`${node.rpcUrl}/abci_query?path="${QueryPaths.GetTopic}"&data=0x${data}`)).json();
    expect(q.result.response.code).to.equal(0);
    expect(GetTopicResponse.decode(Buffer.from(q.result.response.value, "base64")).topic?.id).to.equal(1n);
    const unknown = await rpc(node.rpcUrl, "no_such_method");
    expect(unknown.error).to.deep.include({ code: -32601, message: "Method not found" });
    expect(unknown.id).to.equal(7);
    const badHeight = await rpc(node.rpcUrl, "block", { height: "abc" });
    expect(badHeight.error?.code).to.equal(-32602);
    const future = await rpc(node.rpcUrl, "block", { height: "999999" });
    expect(future.error?.code).to.equal(-32603);
    expect(future.error?.data).to.match(/must be less than or equal to the current blockchain height/);
    const parse: any = await (await fetch(node.rpcUrl, { method: "POST", body: "{nope" })).json();
    expect(parse.error.code).to.equal(-32700);
    const notx = await rpc(node.rpcUrl, "tx", { hash: Buffer.alloc(32).toString("base64") });
    expect(notx.error?.data).to.match(/^tx \(0{64}\) not found$/);
    const badQuery = await rpc(node.rpcUrl, "tx_search", { query: "tx.height ~ 5" });
    expect(badQuery.error?.data).to.match(/failed to parse query/);
  });

  it("rejects a duplicate websocket subscription like CometBFT", async () => {
    const sock = new WebSocket(node.wsUrl);
    await new Promise((r) => sock.once("open", r));
    const replies: any[] = [];
    const three = new Promise<void>((resolve) =>
      sock.on("message", (m) => {
        replies.push(JSON.parse(m.toString()));
        if (replies.length === 3) resolve();
      }),
    );
    const sub = { jsonrpc: "2.0", method: "subscribe", params: { query: "tm.event='Tx'" } };
    sock.send(JSON.stringify({ ...sub, id: 1 }));
    sock.send(JSON.stringify({ ...sub, id: 2 }));
    sock.send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "unsubscribe", params: { query: "tm.event='Tx'" } }));
    await three;
    sock.close();
    expect(replies.find((r) => r.id === 1).result).to.deep.equal({});
    expect(replies.find((r) => r.id === 2).error.data).to.match(/already subscribed/);
    expect(replies.find((r) => r.id === 3).result).to.deep.equal({});
  });
});
