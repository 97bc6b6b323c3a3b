/**
 * The devnet's regret queries at a height and its "inconsistent" fault kinds, read through the relayer's own
 * fetcher (relayer/attest/synthesis-source.ts) over a real cosmjs CometBFT client: honest epochs re-derive
 * to the hub's combined value; faulty ones do not, with the part that differs.
 */
import { expect } from "chai";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";
import { HubDevnet } from "../../devnet/hub/node";
import { checkBundle } from "../../relayer/attest/synthesis-check";
import { abciAt, fetchSynthesisMaterial } from "../../relayer/attest/synthesis-source";
import { GetInfererNetworkRegretRequest, NetworkRegretResponse, regretQueryPaths, toBytes } from "../../lib/allora-proto";
import { startTestNode } from "./helpers";

async function rpc(url: string, method: string, params: unknown = {}) {
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }) });
  return (await res.json()) as { result?: { pending: number }; error?: { code: number; message: string; data: string } };
}

describe("hub devnet: regrets at a height and inconsistent bundles", function () {
  this.timeout(120_000);
  let node: HubDevnet;
  let comet: Comet38Client;

  before(async () => {
    node = await startTestNode({ bundleHistory: 200, emissionsQueryVersions: ["v10", "v9"] }, 250);
    comet = (await connectComet(node.rpcUrl)) as Comet38Client;
    await node.waitForHeight(13);
  });
  after(async () => {
    comet?.disconnect();
    await node?.stop();
  });

  const query = () => abciAt(() => comet);

  it("honest epochs re-derive exactly, from the first epoch (median) on, for v9 and v10 paths", async () => {
    for (let nonce = 1; nonce <= 13; nonce++) {
      for (const emissionsVersion of ["v9", "v10"] as const) {
        const m = await fetchSynthesisMaterial(query(), 1, BigInt(nonce), { emissionsVersion });
        const v = checkBundle(m.bundle, m.inputs);
        expect(v, `nonce ${nonce} (${emissionsVersion}): ${JSON.stringify(v)}`).to.deep.include({ ok: true });
        if (v.ok) expect(v.combined).to.equal(m.bundle.combinedValue);
      }
    }
  });

  it("answers a regret as of the height asked (height 0 = no prior regret), not the newest", async () => {
    const m = await fetchSynthesisMaterial(query(), 1, 1n);
    const worker = m.bundle.infererValues[0].worker;
    const at = async (height: number) =>
      NetworkRegretResponse.decode(await query()(regretQueryPaths("v9").GetInfererNetworkRegret, toBytes(GetInfererNetworkRegretRequest, { topicId: 1n, actorId: worker }), height)).regret!;
    const first = await at(1);
    expect(first.blockHeight).to.equal(0n); // no loss round before the first epoch
    const later = await at(10);
    const newer = await at(12);
    expect(later.blockHeight > 0n).to.equal(true);
    expect(later.value).to.not.equal(newer.value);
  });

  it("devnet_injectFault inconsistent / inconsistent_parts: bundles that look fine and do not add up", async () => {
    const start = node.height(); // every block closes an epoch of topic 1 (epochLength 1)
    const r = await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 1, kind: "inconsistent", count: 1 });
    expect(r.result?.pending).to.equal(1);
    await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 1, kind: "inconsistent_parts", count: 1 });
    await node.waitForHeight(start + 8);
    const verdicts = [];
    for (let n = start + 1; n <= start + 8; n++) {
      const m = await fetchSynthesisMaterial(query(), 1, BigInt(n));
      expect(m.bundle.combinedValue, "a plausible decimal").to.match(/^-?\d+(\.\d+)?$/);
      verdicts.push(checkBundle(m.bundle, m.inputs));
    }
    // the two faulty epochs, back to back, then honest ones again; topic 2 unaffected
    const firstBad = verdicts.findIndex((v) => !v.ok);
    expect(firstBad, JSON.stringify(verdicts)).to.be.within(0, 4);
    expect(verdicts[firstBad]).to.deep.include({ ok: false, part: "combined_value" });
    expect(verdicts[firstBad + 1]).to.deep.include({ ok: false, part: "combined_value" });
    expect(verdicts.filter((v) => !v.ok)).to.have.length(2);
    const other = await fetchSynthesisMaterial(query(), 2, BigInt(start + firstBad + 1));
    expect(checkBundle(other.bundle, other.inputs).ok).to.equal(true);
    const bad = await rpc(node.rpcUrl, "devnet_injectFault", { topic_id: 1, kind: "zero", count: 1 });
    expect(bad.error?.data ?? bad.error?.message).to.match(/inconsistent/);
  });
});
