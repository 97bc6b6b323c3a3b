import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import fs from "node:fs";
import path from "node:path";
import { AbiCoder } from "ethers";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
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
      seeded({ numRuns: 40 }),
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
      seeded({ numRuns: 40 }),
    );
  });

  it("rejects up to four substituted characters, of either payload size, as @cosmjs does", async function () {
    // BIP-173 guarantees that any error in at most four characters is detected (strings up to 90 long).
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 20, maxLength: 20 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.uniqueArray(fc.nat(57), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 31 }), { minLength: 4, maxLength: 4 }),
        async (bytes, offsets, shifts) => {
          const good = toBech32("allo", bytes);
          const chars = [...good];
          const positions = [...new Set(offsets.map((o) => 5 + (o % (good.length - 5))))];
          positions.forEach((position, i) => {
            chars[position] = CHARSET[(CHARSET.indexOf(chars[position]) + shifts[i]) % 32];
          });
          const bad = chars.join("");
          expect(() => fromBech32(bad)).to.throw();
          // A module account's last data character carries padding bits, checked before the checksum.
          const padding = CHARSET.indexOf(bad[bad.length - 7]) & 0x0f;
          expect(await harness.check(bad)).to.equal(
            bytes.length === 32 && padding !== 0 ? Problem.Padding : Problem.Checksum,
          );
        },
      ),
      seeded({ numRuns: 60 }),
    );
  });

  it("agrees with @cosmjs on any single character replaced by any byte", async function () {
    // Any ASCII character: upper case, the separator, letters outside the charset, control characters.
    const replacement = fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 20, maxLength: 20 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.nat(62),
        replacement,
        async (bytes, offset, c) => {
          const good = toBech32("allo", bytes);
          const position = offset % good.length;
          const candidate = good.slice(0, position) + c + good.slice(position + 1);
          let cosmjsAccepts: boolean;
          try {
            const decoded = fromBech32(candidate);
            cosmjsAccepts = decoded.prefix === "allo" && [20, 32].includes(decoded.data.length);
          } catch {
            cosmjsAccepts = false;
          }
          const problem = Number(await harness.check(candidate));
          expect(problem === Problem.None, `${candidate}: problem ${problem}`).to.equal(cosmjsAccepts);
          expect(cosmjsAccepts).to.equal(candidate === good);
          // An ASCII byte outside the charset in the data part is a character problem.
          if (position >= 5 && !CHARSET.includes(c)) expect(problem).to.equal(Problem.Character);
          if (position < 5 && candidate !== good) expect(problem).to.equal(Problem.Prefix);
        },
      ),
      seeded({ numRuns: 80 }),
    );
  });

  it("rejects any byte above 127 in the data part, UTF-8 or not", async function () {
    // The ABI encodes `string` as `bytes`: raw calldata reaches bytes that no JavaScript string encodes to.
    const selector = harness.interface.getFunction("check").selector;
    const harnessAddress = await harness.getAddress();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 20, maxLength: 20 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.nat(57),
        fc.integer({ min: 0x80, max: 0xff }),
        async (bytes, offset, byte) => {
          const raw = ethers.toUtf8Bytes(toBech32("allo", bytes));
          raw[5 + (offset % (raw.length - 5))] = byte;
          const data = ethers.concat([selector, AbiCoder.defaultAbiCoder().encode(["bytes"], [raw])]);
          expect(BigInt(await ethers.provider.call({ to: harnessAddress, data }))).to.equal(
            BigInt(Problem.Character),
          );
        },
      ),
      seeded({ numRuns: 40 }),
    );
    // "é" is two bytes in UTF-8: in place of two data characters it keeps the length.
    const good = toBech32("allo", ethers.randomBytes(20));
    const accented = good.slice(0, 10) + "é" + good.slice(12);
    expect(ethers.toUtf8Bytes(accented).length).to.equal(43);
    expect(await harness.check(accented)).to.equal(Problem.Character);
  });

  it("keeps its lookup tables equal to what BIP-173's generator gives", function () {
    const source = fs.readFileSync(path.join(__dirname, "../../../contracts/bridge/HubAddress.sol"), "utf8");
    const constants = new Map<string, bigint>();
    for (const m of source.matchAll(/uint256 private constant (_[A-Z0-9_]+) = (0x[0-9a-f]+);/g))
      constants.set(m[1], BigInt(m[2]));
    const get = (name: string) => {
      const value = constants.get(name);
      if (value === undefined) throw new Error(`HubAddress.sol has no constant ${name}`);
      return value;
    };
    const step = (s: number, v: number) => polymodStep(s, v);
    let prefixState = 1;
    for (const v of hrpExpand("allo")) prefixState = step(prefixState, v);
    expect(get("_PREFIX_STATE")).to.equal(BigInt(prefixState));
    const zeroSteps = (s: number, n: number) => {
      for (let i = 0; i < n; i++) s = step(s, 0);
      return s;
    };
    expect(get("_ACCOUNT_START")).to.equal(BigInt(zeroSteps(prefixState, 6)));
    expect(get("_MODULE_START")).to.equal(BigInt(zeroSteps(prefixState, 2)));
    for (const k of [2, 3, 4, 5]) {
      const table = Array.from({ length: 32 }, (_, c) => zeroSteps(c << (5 * k), 4));
      const hex = table.map((e) => e.toString(16).padStart(8, "0")).join("");
      for (let j = 0; j < 4; j++)
        expect(get(`_FOLD_${k}_${j}`), `_FOLD_${k}_${j}`).to.equal(
          BigInt("0x" + hex.slice(64 * j, 64 * j + 64)),
        );
    }
    const charset = Array.from({ length: 128 }, (_, code) => {
      const v = CHARSET.indexOf(String.fromCharCode(code));
      return (v < 0 ? 0xff : v).toString(16).padStart(2, "0");
    }).join("");
    for (let j = 0; j < 4; j++)
      expect(get(`_CHARSET_${j}`), `_CHARSET_${j}`).to.equal(
        BigInt("0x" + charset.slice(64 * j, 64 * j + 64)),
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

/** BIP-173's generator and one step of its checksum (`polymod`), as in the reference implementation. */
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
function polymodStep(chk: number, v: number): number {
  const top = chk >>> 25;
  chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
  for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]) >>> 0;
  return chk;
}

/** BIP-173 `hrp_expand`. */
function hrpExpand(prefix: string): number[] {
  return [...prefix]
    .map((c) => c.charCodeAt(0) >> 5)
    .concat(
      [0],
      [...prefix].map((c) => c.charCodeAt(0) & 31),
    );
}

/** bech32 encoding of raw 5-bit words (BIP-173 reference), to build addresses @cosmjs refuses to build. */
function encodeWords(prefix: string, words: number[]): string {
  const polymod = (values: number[]) => values.reduce(polymodStep, 1);
  const mod = polymod([...hrpExpand(prefix), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return prefix + "1" + [...words, ...checksum].map((w) => CHARSET[w]).join("");
}
