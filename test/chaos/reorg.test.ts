/**
 * Chaos: reorgs on one chain of the whole local network (hub devnet, three Hardhat chains each in its own
 * process, the bridges, one relayer child on the real Redis). base runs with `confirmations: 3` in the
 * relayer config. A reorg is made with the node's own controls: mining stopped, `evm_snapshot`, blocks
 * mined with the relayer's update and a user's burn in them, `evm_revert` (the blocks and the mempool
 * are gone), then mining resumes on a different branch.
 *
 * 4a. the block with the relayer's update and a user's burn is dropped before 3 confirmations: the update
 *     is posted again (the same reports stored on the new branch), the burn is never delivered;
 * 4b. the block with a burn is dropped after 3 confirmations, once its release is paid on the hub: reported
 *     loudly (an error line with `alert: "transfer_source_reorged"` naming the transfer, the metric
 *     relayer_transfers_source_reorged_total), and the relayer goes on posting to base without nonce gaps.
 *
 * Ports 14745-14747 (chains), 14757 (hub), 14764 (relayer HTTP).
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { StargateClient } from "@cosmjs/stargate";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { until } from "../e2e/helpers";
import { ALLO, newHubAddress, TransferNet } from "../e2e/transfer-helpers";
import { FaultNet, log } from "./fault-net";
import { recordScenario } from "./record";
import { oracleActivity } from "../../scripts/lib/oracle-events";

const TOPICS = [1, 2];
const CONFIRMATIONS = 3;
const TRANSFER_SENT = ethers.id("TransferSent(bytes32,uint64,uint64,address,bytes,uint256,uint256)");

describe("chaos: reorgs", function () {
  let f: FaultNet;
  let tn: TransferNet;
  let hubQuery: StargateClient;
  let rpc = "";

  const hubBalance = async (addr: string) => BigInt((await hubQuery.getBalance(addr, "uallo")).amount);
  const stopMining = async () => {
    await jsonRpc(rpc, "evm_setAutomine", [false]);
    await jsonRpc(rpc, "evm_setIntervalMining", [0]);
  };
  const resumeMining = () => jsonRpc(rpc, "evm_setIntervalMining", [1000]);
  const mine = () => jsonRpc(rpc, "evm_mine", []);

  before(async function () {
    f = await FaultNet.start({ chains: "14745,14746,14747", hub: 14757, metrics: 14764 }, ".devnet/chaos-reorg", TOPICS);
    const cfg = f.writeConfig("relayer-reorg", (c) => {
      c.chains.find((x) => x.name === "base")!.confirmations = CONFIRMATIONS;
    });
    tn = new TransferNet(f.net);
    hubQuery = await StargateClient.connect(f.net.manifest.hub.rpc);
    rpc = f.view("base").chain.rpc;
    await f.startRelayer(cfg);
    await f.reach(f.views, f.hubHeight(), 60_000);
  });

  after(async function () {
    if (rpc) await resumeMining().catch(() => undefined);
    hubQuery?.disconnect();
    tn?.destroy();
    await f?.stop();
  });

  it("4a. a block with the relayer's update and a burn is dropped before its confirmations: the update posted again, the burn never delivered", async function () {
    const base = tn.chain("base");
    const view = f.view("base");
    const from = await base.provider.getBlockNumber(); // base.provider: no response cache
    const r1 = await newHubAddress();
    await stopMining();
    const snap = await jsonRpc<string>(rpc, "evm_snapshot", []);
    const burnTx = await base.bridge.sendToHub(r1, ALLO);
    await until("a relayer update pending on base", async () => ((await view.hasPending(f.submitter)) ? true : undefined), 30_000, 100);
    await mine();
    const dropped = await base.provider.getBlockNumber();
    const burnReceipt = await base.provider.getTransactionReceipt(burnTx.hash);
    expect(burnReceipt?.blockNumber, "the burn mined in the block about to be dropped").to.equal(dropped);
    const burnId = burnReceipt!.logs.find((l) => l.topics[0] === TRANSFER_SENT)!.topics[1].toLowerCase();
    const droppedAct = await oracleActivity(view.provider, view.chain.contracts.oracle, dropped, dropped);
    const droppedReports = droppedAct.events.map((e) => `${e.topicId}:${e.nonce}`);
    expect(droppedReports, "relayer reports in the block about to be dropped").to.have.length.greaterThan(0);
    log(`block ${dropped}: burn ${burnId.slice(0, 10)}… and ${droppedAct.txs.length} relayer tx(s) with reports ${droppedReports.join(", ")}; dropping it (1 confirmation of ${CONFIRMATIONS})`);
    expect(await jsonRpc<boolean>(rpc, "evm_revert", [snap]), "evm_revert").to.equal(true);
    const revertedAt = Date.now();
    expect(await base.provider.getTransactionReceipt(burnTx.hash), "the burn is gone").to.equal(null);
    await resumeMining();

    // The same reports stored again on the new branch.
    const again = await until(
      "the dropped reports stored again on base",
      async () => {
        const act = await oracleActivity(view.provider, view.chain.contracts.oracle, from + 1, await base.provider.getBlockNumber());
        const seen = new Set(act.events.map((e) => `${e.topicId}:${e.nonce}`));
        return droppedReports.every((r) => seen.has(r)) ? act : undefined;
      },
      120_000,
      500,
    );
    const repostedMs = Date.now() - revertedAt;
    const repostTx = again.events.find((e) => `${e.topicId}:${e.nonce}` === droppedReports[0])!.txHash;
    log(`reports ${droppedReports.join(", ")} stored again ${repostedMs} ms after the reorg (tx ${repostTx.slice(0, 10)}…)`);
    await f.reach(f.views, f.hubHeight(), 60_000);

    // A burn after the reorg takes the dropped burn's sequence (and so its transfer id): it, not the dropped one, is paid.
    // A fresh signer: the user's nonce went back with the reorg.
    const r2 = await newHubAddress();
    await (await tn.chain("base").bridge.sendToHub(r2, 2n * ALLO)).wait();
    await until("the burn made after the reorg released on the hub", async () => ((await hubBalance(r2)) === 2n * ALLO ? true : undefined), 120_000, 500);
    expect(await hubBalance(r1), "the dropped burn's recipient got nothing").to.equal(0n);

    const r = await f.invariants(view, from + 1);
    expect(r.duplicates, "reports stored twice").to.deep.equal([]);
    expect(r.backwards, "values going backwards").to.deep.equal([]);
    expect(r.nonceGaps, "account nonce gaps").to.deep.equal([]);
    const skipped = r.skipped.reduce((n, s) => n + s.nonces.length, 0);
    recordScenario("4a-reorg-before-confirmations", {
      injected: `base (confirmations ${CONFIRMATIONS}): the block holding a relayer update (${droppedReports.length} reports) and a user's burn dropped with evm_revert at 1 confirmation; mining resumed on a new branch`,
      recovery_ms: repostedMs,
      recovery_definition: "from the reorg until every report of the dropped block is stored again on base",
      reports_dropped: droppedReports.length,
      reports_posted_again: droppedReports.length,
      dropped_burn_delivered: false,
      updates_missed: skipped,
      duplicates: r.duplicates.length,
      nonce_gaps: r.nonceGaps.length,
    });
  });

  it("4b. a burn dropped after its confirmations (its release paid): reported loudly, with an alert naming it and a metric", async function () {
    const base = tn.chain("base");
    const view = f.view("base");
    const from = await base.provider.getBlockNumber();
    const r3 = await newHubAddress();
    await stopMining();
    const snap = await jsonRpc<string>(rpc, "evm_snapshot", []);
    const burnTx = await base.bridge.sendToHub(r3, 3n * ALLO);
    await mine();
    const burnReceipt = (await base.provider.getTransactionReceipt(burnTx.hash))!;
    const burnId = burnReceipt.logs.find((l) => l.topics[0] === TRANSFER_SENT)!.topics[1].toLowerCase();
    for (let i = 1; i < CONFIRMATIONS; i++) await mine();
    // Blocks keep coming (slowly, by hand) until the hub pays the release: the burn was deep enough.
    await until(
      "the release paid on the hub",
      async () => {
        if ((await hubBalance(r3)) === 3n * ALLO) return true;
        await mine();
        return undefined;
      },
      120_000,
      1000,
    );
    const depth = (await base.provider.getBlockNumber()) - burnReceipt.blockNumber + 1;
    log(`burn ${burnId.slice(0, 10)}… in block ${burnReceipt.blockNumber} released on the hub at depth ${depth}; dropping it`);
    expect(await jsonRpc<boolean>(rpc, "evm_revert", [snap]), "evm_revert").to.equal(true);
    const revertedAt = Date.now();
    await resumeMining();
    const alert = await f.relayer!.log.waitFor((l) => l.alert === "transfer_source_reorged" && l.transferId === burnId, 60_000, "the transfer_source_reorged alert naming the burn");
    const reportedMs = Date.now() - revertedAt;
    log(`reported after ${reportedMs} ms: ${JSON.stringify(alert).slice(0, 400)}`);
    expect(alert.level, "an error line").to.equal(50);
    const metrics = await (await fetch(`http://127.0.0.1:${f.relayer!.httpPort}/metrics`)).text();
    // Any other labels (default labels of the registry) may stand next to source.
    const metric = /relayer_transfers_source_reorged_total\{[^}]*source="base"[^}]*\} (\d+)/.exec(metrics);
    expect(Number(metric?.[1] ?? 0), "relayer_transfers_source_reorged_total{source=\"base\"}").to.be.at.least(1);

    // The relayer's own transactions of the dropped blocks are gone too: base must still be caught up, without gaps.
    const h = f.hubHeight();
    await f.reach([view], h, 120_000);
    const caughtUpMs = Date.now() - revertedAt;
    const r = await f.invariants(view, from + 1);
    expect(r.duplicates, "reports stored twice").to.deep.equal([]);
    expect(r.backwards, "values going backwards").to.deep.equal([]);
    expect(r.nonceGaps, "account nonce gaps").to.deep.equal([]);
    const refills = f.relayer!.log.lines.filter((l) => String(l.msg).startsWith("nonces below ours are missing") && l.chain === "base").length;
    log(`base at hub ${h} ${caughtUpMs} ms after the reorg; ${refills} job(s) re-sent at a dropped nonce; reports sent twice (the second skipped): ${r.sentTwice.length}`);
    recordScenario("4b-reorg-after-confirmations", {
      injected: `base (confirmations ${CONFIRMATIONS}): a burn's block and ${depth - 1} blocks on it dropped with evm_revert after its release was paid on the hub`,
      detected_ms: reportedMs,
      detected_definition: "from the reorg until the error line with alert transfer_source_reorged naming the transfer",
      alert: String(alert.msg).slice(0, 300),
      metric: `relayer_transfers_source_reorged_total{source="base"} ${metric?.[1]}`,
      recovery_ms: caughtUpMs,
      recovery_definition: "from the reorg until base stores the hub height of the moment the alert was seen",
      relayer_nonces_refilled: refills,
      reports_sent_twice_skipped_by_contract: r.sentTwice.length,
      duplicates: r.duplicates.length,
      duplicates_definition: "(topic, nonce) stored twice",
      nonce_gaps: r.nonceGaps.length,
    });
  });
});
