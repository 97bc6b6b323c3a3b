/**
 * The relayer's WebAssembly keccak256 (relayer/crypto/keccak.ts), registered with ethers: it must agree with
 * the reference (@noble/hashes, what ethers uses by default) on every length, around the sponge's 136-byte rate
 * and on a batch transaction's size, and installing it twice is harmless.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3";
import { getAddress, keccak256, Transaction, Wallet } from "ethers";
import { installFastKeccak } from "../../relayer/crypto/keccak";

const reference = (b: Uint8Array) => "0x" + Buffer.from(keccak_256(b)).toString("hex");

describe("relayer: WebAssembly keccak256 registered with ethers", function () {
  before(async () => {
    await installFastKeccak();
    await installFastKeccak();
  });

  it("agrees with the reference for every length 0-400, around multiples of the rate and at 20 kB", function () {
    const lengths = [...Array(401).keys(), 135 * 2, 136 * 2, 137 * 2, 136 * 7, 20_000, 20_001];
    for (const n of lengths) {
      const b = randomBytes(n);
      expect(keccak256(b), `${n} bytes`).to.equal(reference(b));
    }
  });

  it("serves what ethers derives from keccak: address checksums and a signed transaction's hash", async function () {
    expect(getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512")).to.equal("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    const wallet = new Wallet("0x" + "11".repeat(32));
    const signed = await wallet.signTransaction({ type: 2, chainId: 1, nonce: 0, to: wallet.address, data: "0x" + "ab".repeat(20_000), gasLimit: 1_000_000, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
    const tx = Transaction.from(signed);
    expect(tx.hash).to.equal(reference(Buffer.from(signed.slice(2), "hex")));
    expect(tx.from).to.equal(wallet.address);
  });
});
