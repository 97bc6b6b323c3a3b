import { expect } from "chai";
import fc from "fast-check";
import { seeded } from "../../fc-seed";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports, type OracleReport } from "../../../lib/eip712/oracle";
import { deployOracle, sign } from "./helpers";

/**
 * Property: whatever sequence of signed batches arrives (any topics, any nonces, replays, duplicates,
 * out of order), each topic's stored inference is the first report carrying that topic's highest nonce
 * so far, its nonce never decreases, and every report is either stored or skipped with an event.
 */
describe("AlloraOracle monotonicity (property)", () => {
  const fixture = () => deployOracle(1, 1);

  const batchArb = fc.array(
    fc.record({
      topicId: fc.integer({ min: 0, max: 3 }),
      nonce: fc.integer({ min: 1, max: 40 }),
      value: fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
    }),
    { minLength: 1, maxLength: 6 },
  );

  it("a topic's nonce never goes backwards and the newest report wins", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 6 }), async (batches) => {
        const f = await loadFixture(fixture);
        const model = new Map<bigint, OracleReport>();
        for (const batch of batches) {
          const now = BigInt(await time.latest());
          const reports: OracleReport[] = batch.map((r) => ({
            topicId: BigInt(r.topicId),
            value: r.value,
            nonce: BigInt(r.nonce),
            timestamp: now,
          }));
          const before = new Map<bigint, bigint>();
          for (const topic of [0n, 1n, 2n, 3n]) before.set(topic, (await f.oracle.latestInference(topic))[1]);
          const receipt = await (
            await f.oracle.submit(packReports(reports), await sign(f, reports))
          ).wait();
          let updated = 0;
          let skipped = 0;
          for (const log of receipt!.logs) {
            const parsed = f.oracle.interface.parseLog(log);
            if (parsed?.name === "InferenceUpdated") updated++;
            if (parsed?.name === "ReportSkipped") skipped++;
          }
          expect(updated + skipped).to.equal(reports.length);
          for (const r of reports) {
            const current = model.get(r.topicId);
            if (!current || r.nonce > current.nonce) model.set(r.topicId, r);
          }
          for (const topic of [0n, 1n, 2n, 3n]) {
            const [value, nonce, timestamp] = await f.oracle.latestInference(topic);
            expect(nonce >= before.get(topic)!).to.equal(true);
            const expected = model.get(topic);
            expect([value, nonce, timestamp]).to.deep.equal(
              expected ? [expected.value, expected.nonce, expected.timestamp] : [0n, 0n, 0n],
            );
          }
        }
      }),
      seeded({ numRuns: 25 }),
    );
  });
});
