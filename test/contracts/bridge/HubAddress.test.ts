import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { toBech32 } from "@cosmjs/encoding";
import type { BridgeHubAddressHarness } from "../../../typechain-types";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
enum Problem {
  None,
  Prefix,
  Length,
  Character,
  Padding,
  Checksum,
}

describe("HubAddress (bech32 allo1… check)", function () {
  let harness: BridgeHubAddressHarness;
  before(async function () {
    harness = await ethers.deployContract("BridgeHubAddressHarness");
  });

  it("accepts every 20- and 32-byte allo address that @cosmjs encodes", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 20, maxLength: 20 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        async (bytes) => {
          expect(await harness.check(toBech32("allo", bytes))).to.equal(Problem.None);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("catches any single-character substitution (checksum or charset)", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.integer({ min: 5, max: 42 }),
        fc.integer({ min: 1, max: 31 }),
        async (bytes, position, shift) => {
          const good = toBech32("allo", bytes);
          const replaced = CHARSET[(CHARSET.indexOf(good[position]) + shift) % 32];
          const bad = good.slice(0, position) + replaced + good.slice(position + 1);
          expect(await harness.check(bad)).to.equal(Problem.Checksum);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("names the problem: prefix, length, character, padding", async function () {
    const good = toBech32("allo", ethers.randomBytes(20));
    expect(await harness.check(toBech32("cosmos", ethers.randomBytes(20)).slice(0, 43))).to.equal(
      Problem.Prefix,
    );
    expect(await harness.check(toBech32("alla", ethers.randomBytes(20)))).to.equal(Problem.Prefix);
    expect(await harness.check("")).to.equal(Problem.Length);
    expect(await harness.check(toBech32("allo", ethers.randomBytes(21)))).to.equal(Problem.Length);
    expect(await harness.check(good.slice(0, 20) + "I" + good.slice(21))).to.equal(Problem.Character);
    expect(await harness.check(good.slice(0, 20) + "~" + good.slice(21))).to.equal(Problem.Character);
    // A 52-character payload whose last character carries non-zero padding bits, with a checksum valid for it.
    const module = toBech32("allo", ethers.randomBytes(32));
    const words = [...module.slice(5, -6)].map((c) => CHARSET.indexOf(c));
    words[words.length - 1] |= 1;
    const badPadding = encodeWords("allo", words);
    expect(await harness.check(badPadding)).to.equal(Problem.Padding);
    await expect(harness.validate(badPadding))
      .to.be.revertedWithCustomError(harness, "InvalidHubAddress")
      .withArgs(Problem.Padding);
  });
});

/** bech32 encoding of raw 5-bit words (BIP-173 reference), to build addresses @cosmjs refuses to build. */
function encodeWords(prefix: string, words: number[]): string {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const polymod = (values: number[]) => {
    let chk = 1;
    for (const v of values) {
      const top = chk >>> 25;
      chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]) >>> 0;
    }
    return chk;
  };
  const expanded = [...prefix]
    .map((c) => c.charCodeAt(0) >> 5)
    .concat(
      [0],
      [...prefix].map((c) => c.charCodeAt(0) & 31),
    );
  const mod = polymod([...expanded, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return prefix + "1" + [...words, ...checksum].map((w) => CHARSET[w]).join("");
}
