import { expect } from "chai";
import { ethers, network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import type { FlaggedRateLimitHarness } from "../../../typechain-types";

/** RateLimit.FlaggedBucket: amounts up to uint104, plus a flag that belongs to the owner. */
const layout = { contract: "FlaggedRateLimitHarness", name: "FlaggedBucket", max: 2n ** 104n - 1n } as const;
type Harness = FlaggedRateLimitHarness;

/** The bucket as the reference model sees it. */
interface ModelBucket {
  capacity: bigint;
  available: bigint;
  updatedAt: bigint;
}

/** Reference model of RateLimit.availableNow: linear refill, rounded down, capped, full after a window. */
function modelAvailable(b: ModelBucket, now: bigint, window: bigint): bigint {
  // updatedAt holds the low 32 bits of the timestamp; elapsed is taken modulo 2^32.
  const elapsed = BigInt.asUintN(32, now - b.updatedAt);
  if (window === 0n || elapsed >= window) return b.capacity;
  const refilled = b.available + (b.capacity * elapsed) / window;
  return refilled > b.capacity ? b.capacity : refilled;
}

/** Reference model of tryConsume. */
function modelConsume(
  b: ModelBucket,
  amount: bigint,
  now: bigint,
  window: bigint,
): { ok: boolean; next: ModelBucket } {
  const available = modelAvailable(b, now, window);
  if (amount > available) return { ok: false, next: b };
  return {
    ok: true,
    next: { capacity: b.capacity, available: available - amount, updatedAt: BigInt.asUintN(32, now) },
  };
}

/** Reference model of setCapacity: available moves by the change in capacity, floored at zero, capped. */
function modelSetCapacity(b: ModelBucket, capacity: bigint, now: bigint, window: bigint): ModelBucket {
  let available = modelAvailable(b, now, window);
  if (capacity >= b.capacity) available += capacity - b.capacity;
  else available = available > b.capacity - capacity ? available - (b.capacity - capacity) : 0n;
  if (available > capacity) available = capacity;
  return { capacity, available, updatedAt: BigInt.asUintN(32, now) };
}

type Op =
  | { kind: "consume"; dt: bigint; fraction: number; extra: bigint }
  | { kind: "setCapacity"; dt: bigint; capacity: bigint }
  | { kind: "probe"; dt: bigint };

/** Capacities: small, token-sized (18 decimals) and near the layout's ceiling. */
function capacityArb(max: bigint) {
  return fc.oneof(
    fc.bigInt({ min: 0n, max: 1_000n }),
    fc.bigInt({ min: 0n, max: 10n ** 27n }),
    fc.bigInt({ min: max - 10n ** 6n, max }),
  );
}

/** Time steps: within a window, around its end and far beyond it (elapsed > window). */
function opsArb(window: bigint, max: bigint) {
  const dtArb = fc.oneof(
    fc.bigInt({ min: 1n, max: 10n }),
    fc.bigInt({ min: 1n, max: window > 0n ? window : 1n }),
    fc.bigInt({ min: window > 1n ? window - 1n : 1n, max: window + 1n }),
    fc.bigInt({ min: 1n, max: 10n * (window + 1n) }),
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("consume" as const),
      dt: dtArb,
      // The amount is a fraction of what the model says is available, plus a small overshoot so that
      // "exactly available" and "one unit too many" are both hit.
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      extra: fc.bigInt({ min: -2n, max: 2n }),
    }),
    fc.record({ kind: fc.constant("setCapacity" as const), dt: dtArb, capacity: capacityArb(max) }),
    fc.record({ kind: fc.constant("probe" as const), dt: dtArb }),
  );
  return fc.array(op, { minLength: 1, maxLength: 8 });
}

async function readBucket(harness: Harness): Promise<ModelBucket> {
  const [capacity, available, updatedAt] = await harness.bucket();
  return { capacity, available, updatedAt };
}

describe(`RateLimit.${layout.name} (property: matches a BigInt reference model)`, function () {
  this.timeout(600_000);

  /** Runs random operation sequences against the model, each starting at `start()` (or the chain's time). */
  async function checkAgainstModel(window: bigint, numRuns: number, start?: bigint): Promise<void> {
    const harness = (await ethers.deployContract(layout.contract, [window])) as unknown as Harness;
    await fc.assert(
      fc.asyncProperty(
        capacityArb(layout.max),
        opsArb(window, layout.max),
        fc.boolean(),
        async (initialCapacity, ops, flag) => {
          const snapshot = (await network.provider.send("evm_snapshot", [])) as string;
          try {
            // The owner's flag is set first and must survive every library call.
            await harness.setFlag(flag);
            let now = start ?? BigInt(await time.latest()) + 1n;
            await time.setNextBlockTimestamp(now);
            await harness.setCapacity(initialCapacity);
            let model: ModelBucket = {
              capacity: initialCapacity,
              available: initialCapacity,
              updatedAt: BigInt.asUintN(32, now),
            };
            expect(await readBucket(harness)).to.deep.equal(model);

            for (const op of ops) {
              now += op.dt;
              await time.setNextBlockTimestamp(now);
              if (op.kind === "consume") {
                const expectedAvailable = modelAvailable(model, now, window);
                const scaled = (expectedAvailable * BigInt(Math.floor(op.fraction * 1e6))) / 1_000_000n;
                const amount = scaled + op.extra < 0n ? 0n : scaled + op.extra;
                const { ok, next } = modelConsume(model, amount, now, window);
                await expect(harness.consume(amount))
                  .to.emit(harness, "Consumed")
                  .withArgs(amount, ok, expectedAvailable);
                model = next;
              } else if (op.kind === "setCapacity") {
                await harness.setCapacity(op.capacity);
                model = modelSetCapacity(model, op.capacity, now, window);
              } else {
                await expect(harness.probe())
                  .to.emit(harness, "Probed")
                  .withArgs(modelAvailable(model, now, window));
              }
              const onChain = await readBucket(harness);
              expect(onChain).to.deep.equal(model);
              // Invariant, independent of the model: never more available than the capacity.
              expect(onChain.available <= onChain.capacity).to.equal(true);
              expect((await harness.bucket())[3]).to.equal(flag);
            }
          } finally {
            await network.provider.send("evm_revert", [snapshot]);
          }
        },
      ),
      seeded({ numRuns }),
    );
  }

  for (const window of [86_400n, 7n, 1n, 0n]) {
    it(`window ${window}s: tryConsume, setCapacity up and down, availableNow at any elapsed time`, async function () {
      await checkAgainstModel(window, window === 86_400n ? 40 : 15);
    });
  }

  it("keeps limiting across the uint32 timestamp wrap (February 2106)", async function () {
    const snapshot = (await network.provider.send("evm_snapshot", [])) as string;
    try {
      // Sequences start half a day before 2^32 seconds and run across it.
      await checkAgainstModel(86_400n, 25, 2n ** 32n - 43_200n);
      // And directly: a bucket emptied just before the wrap is still empty just after it.
      const harness = await ethers.deployContract(layout.contract, [86_400n]);
      await time.setNextBlockTimestamp(2n ** 32n + 100n);
      await harness.setCapacity(86_400n);
      await time.setNextBlockTimestamp(2n ** 32n + 200n);
      await harness.consume(86_400n);
      await time.setNextBlockTimestamp(2n ** 32n + 210n);
      await expect(harness.probe()).to.emit(harness, "Probed").withArgs(10n);
    } finally {
      await network.provider.send("evm_revert", [snapshot]);
    }
    // The chain is back in the present for the tests that follow.
    expect(BigInt(await time.latest()) < 2n ** 32n).to.equal(true);
  });

  it(`rejects a capacity above its maximum (2^${layout.max.toString(2).length} - 1) and leaves the bucket unchanged`, async function () {
    const harness = await ethers.deployContract(layout.contract, [86_400n]);
    await harness.setCapacity(5n);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(layout.max + 1n), fc.bigInt({ min: layout.max + 1n, max: 2n ** 256n - 1n })),
        async (capacity) => {
          await expect(harness.setCapacity(capacity))
            .to.be.revertedWithCustomError(harness, "CapacityTooLarge")
            .withArgs(capacity);
        },
      ),
      seeded({ numRuns: 10 }),
    );
    const [capacity] = await harness.bucket();
    expect(capacity).to.equal(5n);
  });
});
