/**
 * ReorgWatch (relayer/transfer/reorg-watch.ts) against a real Hardhat node: a burn's transaction dropped by a
 * reorg (evm_snapshot / evm_revert) is returned as gone, one that stayed in the chain is kept, and nothing is
 * reported while the chain is unchanged.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import type { SentTransfer } from "../../../relayer/transfer/evm-source";
import { ReorgWatch } from "../../../relayer/transfer/reorg-watch";
import { hardhatAccount } from "../../../scripts/lib/dev-keys";
import { HardhatNode, startHardhat } from "../helpers";

describe("relayer transfer: burns gone after their confirmations (ReorgWatch, Hardhat node)", function () {
  let node: HardhatNode;
  before(async () => (node = await startHardhat()));
  after(() => node?.stop());

  /** A mined transaction standing for a burn (only its tx hash and block matter to the watch). */
  const burn = async (id: string): Promise<SentTransfer> => {
    const w = new Wallet(hardhatAccount(3).privateKey, node.provider);
    const r = (await (await w.sendTransaction({ to: w.address, value: 1 })).wait())!;
    return { transferId: id, txHash: r.hash, blockNumber: r.blockNumber, blockHash: r.blockHash } as SentTransfer;
  };

  it("returns the burn a reorg dropped, keeps the one that stayed, and reports nothing on an unchanged chain", async function () {
    const watch = new ReorgWatch();
    const kept = await burn("0xkept");
    watch.add([kept]);
    const snap = await node.provider.send("evm_snapshot", []);
    const dropped = await burn("0xdropped");
    watch.add([dropped]);
    expect(await watch.check(node.provider, await node.provider.getBlockNumber()), "unchanged chain").to.deep.equal([]);
    expect(await node.provider.send("evm_revert", [snap])).to.equal(true);
    await node.provider.send("evm_mine", []); // a different block at the dropped burn's height
    await node.provider.send("evm_mine", []);
    const gone = await watch.check(node.provider, await node.provider.getBlockNumber());
    expect(gone.map((g) => g.transferId)).to.deep.equal(["0xdropped"]);
    expect(watch.size, "the kept burn is still watched").to.equal(1);
    expect(await watch.check(node.provider, await node.provider.getBlockNumber()), "reported once").to.deep.equal([]);
  });
});
