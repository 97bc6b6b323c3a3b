/**
 * The edges of the fee and nonce rules that fees-nonce.test.ts leaves open, written for the `relayer-submit`
 * mutation area: the caps' defaults, each fallback of a missing node suggestion, a bump landing exactly on a
 * cap (allowed), the priority fee pulling the max fee up, fractional bump percentages, a confirm before any take.
 */
import { expect } from "chai";
import { parseUnits } from "ethers";
import { bumpFees, feeCaps, initialFees, raiseBy } from "../../relayer/submit/fees";
import { NonceManager } from "../../relayer/submit/nonce";

const gwei = (x: string) => parseUnits(x, "gwei");
const eip1559 = { strategy: "eip1559" as const, maxFeePerGasGwei: "100", maxPriorityFeePerGasGwei: "5", bumpPercent: 12.5, gasLimitMultiplier: 1.2 };
const legacy = { strategy: "legacy" as const, maxFeePerGasGwei: "50", bumpPercent: 12.5, gasLimitMultiplier: 1.2 };
const none = { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null };

describe("relayer fees: edges (mutation tests)", () => {
  it("feeCaps: without a priority cap the max fee caps both; a priority cap above the max fee is cut to it", () => {
    expect(feeCaps(eip1559)).to.deep.equal({ maxFeePerGas: gwei("100"), maxPriorityFeePerGas: gwei("5") });
    expect(feeCaps(legacy)).to.deep.equal({ maxFeePerGas: gwei("50"), maxPriorityFeePerGas: gwei("50") });
    expect(feeCaps({ ...eip1559, maxPriorityFeePerGasGwei: "150" })).to.deep.equal({ maxFeePerGas: gwei("100"), maxPriorityFeePerGas: gwei("100") });
    expect(feeCaps({ ...eip1559, maxPriorityFeePerGasGwei: "100" }).maxPriorityFeePerGas).to.equal(gwei("100"));
  });

  it("legacy: falls back to the suggested max fee when the node gives no gas price, below the cap untouched; names the fix when it gives neither", () => {
    expect(initialFees(legacy, { gasPrice: null, maxFeePerGas: gwei("30"), maxPriorityFeePerGas: null })).to.deep.equal({ type: 0, gasPrice: gwei("30") });
    expect(initialFees(legacy, { gasPrice: gwei("20"), maxFeePerGas: gwei("30"), maxPriorityFeePerGas: null })).to.deep.equal({ type: 0, gasPrice: gwei("20") });
    expect(() => initialFees(legacy, none)).to.throw("the node suggested no gas price; use fees.strategy eip1559 or check the RPC");
  });

  it("EIP-1559: either missing suggestion is refused; a suggested max fee below the priority fee is raised to it", () => {
    const msg = 'the node suggested no EIP-1559 fees (pre-London chain?); set fees.strategy: "legacy"';
    expect(() => initialFees(eip1559, { gasPrice: null, maxFeePerGas: gwei("30"), maxPriorityFeePerGas: null })).to.throw(msg);
    expect(() => initialFees(eip1559, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: gwei("1") })).to.throw(msg);
    expect(initialFees(eip1559, { gasPrice: null, maxFeePerGas: gwei("1"), maxPriorityFeePerGas: gwei("3") })).to.deep.equal({
      type: 2,
      maxFeePerGas: gwei("3"),
      maxPriorityFeePerGas: gwei("3"),
    });
    // the suggestion exactly at the caps passes through
    expect(initialFees(eip1559, { gasPrice: null, maxFeePerGas: gwei("100"), maxPriorityFeePerGas: gwei("5") })).to.deep.equal({
      type: 2,
      maxFeePerGas: gwei("100"),
      maxPriorityFeePerGas: gwei("5"),
    });
  });

  it("raiseBy: a percentage with decimals is exact to 1e-4 %, and 0 % still raises zero to one", () => {
    expect(raiseBy(1_000_000n, 12.34567)).to.equal(1_123_457n);
    expect(raiseBy(1_000_000n, 10)).to.equal(1_100_000n);
    expect(raiseBy(999_999n, 0.0001)).to.equal(1_000_000n); // 0.999999 rounds up to 1
    expect(raiseBy(0n, 0)).to.equal(1n);
    expect(raiseBy(5n, 0)).to.equal(5n);
  });

  it("a bump that lands exactly on a cap is sent; one wei above is not", () => {
    const capped = { ...eip1559, maxFeePerGasGwei: "90", maxPriorityFeePerGasGwei: "4.5" };
    const prev = { type: 2 as const, maxFeePerGas: gwei("80"), maxPriorityFeePerGas: gwei("4") };
    expect(bumpFees(capped, prev, none)).to.deep.equal({ type: 2, maxFeePerGas: gwei("90"), maxPriorityFeePerGas: gwei("4.5") });
    expect(bumpFees(capped, { ...prev, maxFeePerGas: gwei("80") + 1n }, none)).to.equal(undefined);
    expect(bumpFees(capped, { ...prev, maxPriorityFeePerGas: gwei("4") + 1n }, none)).to.equal(undefined);
    const legacyCapped = { ...legacy, maxFeePerGasGwei: "45" };
    expect(bumpFees(legacyCapped, { type: 0, gasPrice: gwei("40") }, none)).to.deep.equal({ type: 0, gasPrice: gwei("45") });
    expect(bumpFees(legacyCapped, { type: 0, gasPrice: gwei("40") + 1n }, none)).to.equal(undefined);
  });

  it("a bump follows a higher market: the legacy gas price, and a priority fee above the raised max fee pulls the max fee up", () => {
    expect(bumpFees(legacy, { type: 0, gasPrice: gwei("10") }, { ...none, gasPrice: gwei("30") })).to.deep.equal({ type: 0, gasPrice: gwei("30") });
    const prev = { type: 2 as const, maxFeePerGas: gwei("2"), maxPriorityFeePerGas: gwei("2") };
    expect(bumpFees(eip1559, prev, { gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: gwei("3") })).to.deep.equal({
      type: 2,
      maxFeePerGas: gwei("3"),
      maxPriorityFeePerGas: gwei("3"),
    });
  });
});

describe("relayer nonces: edges (mutation tests)", () => {
  it("a confirm before any take sets the next nonce above it, and the chain is not read then", async () => {
    let reads = 0;
    const m = new NonceManager({ pendingNonce: async () => (reads++, 0) });
    m.confirm(4);
    expect(m.peek()).to.equal(5);
    expect(await m.take()).to.equal(5);
    expect(reads).to.equal(0);
  });
});
