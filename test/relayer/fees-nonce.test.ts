import { expect } from "chai";
import { parseUnits } from "ethers";
import { bumpFees, initialFees, raiseBy } from "../../relayer/submit/fees";
import { NonceManager } from "../../relayer/submit/nonce";

const gwei = (x: string) => parseUnits(x, "gwei");
const eip1559 = { strategy: "eip1559" as const, maxFeePerGasGwei: "100", maxPriorityFeePerGasGwei: "5", bumpPercent: 12.5, gasLimitMultiplier: 1.2 };
const legacy = { strategy: "legacy" as const, maxFeePerGasGwei: "50", bumpPercent: 12.5, gasLimitMultiplier: 1.2 };

describe("relayer fees: initial fees and bumping", () => {
  it("takes the node's EIP-1559 suggestion within the caps", () => {
    expect(initialFees(eip1559, { gasPrice: null, maxFeePerGas: gwei("30"), maxPriorityFeePerGas: gwei("2") })).to.deep.equal({
      type: 2,
      maxFeePerGas: gwei("30"),
      maxPriorityFeePerGas: gwei("2"),
    });
    expect(initialFees(eip1559, { gasPrice: null, maxFeePerGas: gwei("300"), maxPriorityFeePerGas: gwei("20") })).to.deep.equal({
      type: 2,
      maxFeePerGas: gwei("100"),
      maxPriorityFeePerGas: gwei("5"),
    });
  });

  it("uses gasPrice for legacy, capped; explains a missing suggestion", () => {
    expect(initialFees(legacy, { gasPrice: gwei("80"), maxFeePerGas: null, maxPriorityFeePerGas: null })).to.deep.equal({ type: 0, gasPrice: gwei("50") });
    expect(() => initialFees(eip1559, { gasPrice: gwei("1"), maxFeePerGas: null, maxPriorityFeePerGas: null })).to.throw(/legacy/);
  });

  it("raiseBy adds at least the percentage, rounding up", () => {
    expect(raiseBy(1000n, 12.5)).to.equal(1125n);
    expect(raiseBy(1001n, 12.5)).to.equal(1127n); // 1001 * 1.125 = 1126.125 -> 1127
    expect(raiseBy(1n, 12.5)).to.equal(2n);
    expect(raiseBy(0n, 12.5)).to.equal(1n);
  });

  it("raises BOTH EIP-1559 fees by >= 12.5 % and follows a higher market", () => {
    const prev = { type: 2 as const, maxFeePerGas: gwei("20"), maxPriorityFeePerGas: gwei("2") };
    const b = bumpFees(eip1559, prev, { gasPrice: null, maxFeePerGas: gwei("10"), maxPriorityFeePerGas: gwei("1") });
    expect(b).to.deep.equal({ type: 2, maxFeePerGas: gwei("22.5"), maxPriorityFeePerGas: gwei("2.25") });
    const market = bumpFees(eip1559, prev, { gasPrice: null, maxFeePerGas: gwei("40"), maxPriorityFeePerGas: gwei("3") });
    expect(market).to.deep.equal({ type: 2, maxFeePerGas: gwei("40"), maxPriorityFeePerGas: gwei("3") });
  });

  it("never exceeds the caps: no valid bump left means undefined", () => {
    const nearCap = { type: 2 as const, maxFeePerGas: gwei("95"), maxPriorityFeePerGas: gwei("2") };
    expect(bumpFees(eip1559, nearCap, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null })).to.equal(undefined);
    const prioCap = { type: 2 as const, maxFeePerGas: gwei("20"), maxPriorityFeePerGas: gwei("4.5") };
    expect(bumpFees(eip1559, prioCap, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null })).to.equal(undefined);
    expect(bumpFees(legacy, { type: 0, gasPrice: gwei("40") }, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null })).to.deep.equal({
      type: 0,
      gasPrice: gwei("45"),
    });
    expect(bumpFees(legacy, { type: 0, gasPrice: gwei("45") }, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null })).to.equal(undefined);
  });
});

describe("relayer nonces: NonceManager", () => {
  it("reads the chain once, then counts locally; re-syncs after an error", async () => {
    let chainNonce = 7;
    let reads = 0;
    const m = new NonceManager({ pendingNonce: async () => (reads++, chainNonce) });
    expect(await m.take()).to.equal(7);
    expect(await m.take()).to.equal(7); // not confirmed: the same nonce again
    m.confirm(7);
    expect(await m.take()).to.equal(8);
    m.confirm(8);
    expect(reads).to.equal(1);
    chainNonce = 12; // someone else used the key
    m.resync();
    expect(m.peek()).to.equal(undefined);
    expect(await m.take()).to.equal(12);
    expect(reads).to.equal(2);
  });

  it("never moves backwards on a late confirm", async () => {
    const m = new NonceManager({ pendingNonce: async () => 3 });
    await m.take();
    m.confirm(5);
    m.confirm(3);
    expect(await m.take()).to.equal(6);
  });
});
