import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, keccak256 } from "ethers";
import { transferId } from "../../../lib/eip712/bridge";
import { seeded } from "../../fc-seed";

/** The id as the bridge defines it, through ethers' ABI encoder: what the direct encoding must equal. */
const byAbi = (a: bigint, bridge: string, b: bigint, q: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32", "uint64", "uint64"], [a, bridge, b, q]));

describe("transferId (direct word encoding)", () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => "0x" + Buffer.from(b).toString("hex"));

  it("equals keccak256(abi.encode(uint64, bytes32, uint64, uint64)) for any inputs, upper- or lower-case hex", () => {
    fc.assert(
      fc.property(u64, bytes32, u64, u64, fc.boolean(), (a, bridge, b, q, upper) => {
        const spelled = upper ? "0x" + bridge.slice(2).toUpperCase() : bridge;
        expect(transferId(a, spelled, b, q)).to.equal(byAbi(a, bridge, b, q));
      }),
      seeded({ numRuns: 500 }),
    );
  });

  it("at the edges of uint64", () => {
    const bridge = "0x" + "ab".repeat(32);
    for (const v of [0n, 1n, 255n, 256n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]) {
      expect(transferId(v, bridge, v, v)).to.equal(byAbi(v, bridge, v, v));
    }
  });

  it("refuses what abi.encode refuses: values outside uint64, a bridge id that is not 32 bytes", () => {
    const bridge = "0x" + "11".repeat(32);
    expect(() => transferId(1n << 64n, bridge, 1n, 1n)).to.throw(/sourceChain .* is not a uint64/);
    expect(() => transferId(1n, bridge, -1n, 1n)).to.throw(/destinationChain -1 is not a uint64/);
    expect(() => transferId(1n, bridge, 1n, 1n << 64n)).to.throw(/sequence .* is not a uint64/);
    expect(() => transferId(1n, "0x" + "11".repeat(20), 1n, 1n)).to.throw(/is not a bytes32/);
    expect(() => transferId(1n, "0x" + "zz".repeat(32), 1n, 1n)).to.throw(/is not a bytes32/);
  });
});
