/**
 * The delivered bitmap: one bit per (source chain, source bridge, sequence), 256 sequences per storage word
 * (word = sequence >> 8, bit = sequence & 0xff). A wrong word shift or bit mask lets one sequence read as
 * another's (a mask of 0x7f made s + 128 read as delivered and passed every other test), so these tests
 * probe the word and bit boundaries, the top of the uint64 range and the separation of lanes.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import { BASE, BNB, DeliveryStatus, HUB, ONE, attest, deployBridge, src, type BridgeFixture } from "./fixtures";

const MAX_SEQUENCE = 2n ** 64n - 1n;
const RECIPIENT = ethers.getAddress("0x00000000000000000000000000000000000000b0");
const AMOUNT = ONE;
const LANES = [HUB, BNB, BASE] as const;

/** Delivers (chain, sequence) with a fresh attestation; asserts it minted (it was not delivered before). */
async function deliver(f: BridgeFixture, chain: bigint, sequence: bigint): Promise<void> {
  const sigs = await attest(f.bridge, { sourceChain: chain, sequence, recipient: RECIPIENT, amount: AMOUNT }, f.attesters.slice(0, 3));
  const args = [chain, src(chain), sequence, RECIPIENT, AMOUNT, sigs] as const;
  expect(await f.bridge.deliver.staticCall(...args), `chain ${chain} sequence ${sequence} first delivery`).to.equal(
    DeliveryStatus.Minted,
  );
  await f.bridge.deliver(...args);
  expect(await f.bridge.deliver.staticCall(...args), `chain ${chain} sequence ${sequence} replay`).to.equal(
    DeliveryStatus.AlreadyDelivered,
  );
}

/** The sequences whose bit or word a broken shift or mask would confuse with `s`. */
function neighbours(s: bigint): bigint[] {
  const out = [s - 1n, s + 1n, s - 128n, s + 128n, s - 256n, s + 256n, s ^ 0x80n, s ^ 0x100n, s ^ (1n << 63n)];
  return out.filter((n) => n > 0n && n <= MAX_SEQUENCE && n !== s);
}

/** Asserts that exactly the `delivered` sequences of each lane read as delivered, over them and their neighbours. */
async function expectDeliveredExactly(f: BridgeFixture, delivered: Map<bigint, Set<bigint>>): Promise<void> {
  const all = new Set<bigint>();
  for (const set of delivered.values()) for (const s of set) all.add(s);
  const probes = new Set<bigint>();
  for (const s of all) {
    probes.add(s);
    for (const n of neighbours(s)) probes.add(n);
  }
  for (const chain of LANES) {
    const mine = delivered.get(chain) ?? new Set<bigint>();
    for (const s of probes) {
      expect(await f.bridge.isDelivered(chain, src(chain), s), `isDelivered(chain ${chain}, sequence ${s})`).to.equal(
        mine.has(s),
      );
    }
  }
}

describe("AlloraBridge delivered bitmap", function () {
  const BOUNDARIES = [127n, 128n, 255n, 256n, 257n, MAX_SEQUENCE];

  for (const s of BOUNDARIES) {
    it(`sequence ${s} alone marks only itself`, async function () {
      const f = await loadFixture(deployBridge);
      await deliver(f, HUB, s);
      await expectDeliveredExactly(f, new Map([[HUB, new Set([s])]]));
    });
  }

  it("the boundary sequences, delivered one by one in one lane, never mark another", async function () {
    const f = await loadFixture(deployBridge);
    const done = new Set<bigint>();
    // 1 and 129 share a bit under a 7-bit mask, 1 and 257 a word position under a wrong shift.
    for (const s of [1n, ...BOUNDARIES, MAX_SEQUENCE - 128n, MAX_SEQUENCE - 256n]) {
      await deliver(f, HUB, s);
      done.add(s);
      await expectDeliveredExactly(f, new Map([[HUB, done]]));
    }
  });

  it("keeps lanes apart: the same sequences in another lane are still open", async function () {
    const f = await loadFixture(deployBridge);
    const delivered = new Map<bigint, Set<bigint>>([
      [HUB, new Set([127n, 256n, MAX_SEQUENCE])],
      [BNB, new Set([128n, 255n, 257n])],
    ]);
    for (const [chain, set] of delivered) for (const s of set) await deliver(f, chain, s);
    await expectDeliveredExactly(f, delivered);
    // Then the other lanes take the same sequences, each still a first delivery.
    for (const s of [127n, 128n, 255n, 256n, 257n, MAX_SEQUENCE]) {
      for (const chain of [BNB, BASE]) {
        if (delivered.get(chain)?.has(s)) continue;
        await deliver(f, chain, s);
        if (!delivered.has(chain)) delivered.set(chain, new Set());
        delivered.get(chain)!.add(s);
      }
    }
    await expectDeliveredExactly(f, delivered);
  });

  it("property: random sequences over many words and the high bits read back exactly", async function () {
    this.timeout(600_000);
    const f = await loadFixture(deployBridge);
    let snapshot = (await network.provider.send("evm_snapshot", [])) as string;
    const sequence = fc.oneof(
      fc.bigInt(1n, 4_096n), // the first 16 words, many sequences sharing a word
      fc.bigInt(MAX_SEQUENCE - 4_096n, MAX_SEQUENCE), // the last 16 words
      fc.bigInt(1n, MAX_SEQUENCE), // anywhere, high bits set
      fc.bigInt(0n, (1n << 56n) - 1n).map((w) => (w << 8n) | 0x80n), // bit 128 of some word
    );
    const delivery = fc.record({ lane: fc.constantFrom(...LANES), sequence });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(delivery, { minLength: 1, maxLength: 12, selector: (d) => `${d.lane}:${d.sequence}` }),
        async (deliveries) => {
          await network.provider.send("evm_revert", [snapshot]);
          snapshot = (await network.provider.send("evm_snapshot", [])) as string;
          const delivered = new Map<bigint, Set<bigint>>();
          for (const d of deliveries) {
            await deliver(f, d.lane, d.sequence);
            if (!delivered.has(d.lane)) delivered.set(d.lane, new Set());
            delivered.get(d.lane)!.add(d.sequence);
          }
          await expectDeliveredExactly(f, delivered);
        },
      ),
      seeded({ numRuns: 20 }, "delivered bitmap"),
    );
    await network.provider.send("evm_revert", [snapshot]);
  });
});
