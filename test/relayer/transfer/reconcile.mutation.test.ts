/**
 * Tests added for mutants of relayer/transfer/reconcile.ts that survived `npm run test:mutation --
 * relayer-transfer` (docs/development.md "Mutation testing"): the rows `relayer reconcile` prints.
 */
import { expect } from "chai";
import { reconcile } from "../../../relayer/transfer/reconcile";

describe("transfer reconcile: the printed rows (mutation-found)", () => {
  it("labels every row: escrow, float, one supply per chain, in flight with its count, delta", () => {
    const r = reconcile({
      escrowBalance: 1_000n,
      escrowFloat: 10n,
      supplies: [
        { chain: "ethereum", totalSupply: 600n },
        { chain: "base", totalSupply: 300n },
      ],
      inFlight: [
        { transferId: "0x01", route: "hub->ethereum", amount: 50n, stage: "attested" },
        { transferId: "0x02", route: "hub->base", amount: 40n, stage: "queued" },
      ],
    });
    expect(r.rows).to.deep.equal([
      { what: "hub escrow balance", amount: 1_000n },
      { what: "- escrow float (fees)", amount: 10n },
      { what: "ethereum totalSupply", amount: 600n },
      { what: "base totalSupply", amount: 300n },
      { what: "in flight (2 transfers)", amount: 90n },
      { what: "delta", amount: 0n },
    ]);
    expect(r.ok).to.equal(true);
  });
});
