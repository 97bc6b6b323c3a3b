/**
 * Seeds for fast-check, shared by the contract tests (Hardhat) and the unit tests (mocha): every `fc.assert`
 * in the repository passes its parameters through {@link seeded}. A run uses FC_SEED when it is set, else a
 * fresh random seed, and prints the seed either way, so a failure seen once (in CI, on another machine)
 * replays with `FC_SEED=<seed> npx hardhat test <file>` or `FC_SEED=<seed> npx mocha ... <file>`.
 * fast-check also names the seed and the shrunk path in its failure message.
 */
import type { Parameters } from "fast-check";

/** The seed from FC_SEED, or undefined when unset; a value that is not a 32-bit integer is an error. */
function seedFromEnv(): number | undefined {
  const raw = process.env.FC_SEED;
  if (raw === undefined || raw.trim() === "") return undefined;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new Error(`FC_SEED=${raw} is not a 32-bit integer: set it to the seed a failed run printed`);
  }
  return seed;
}

/** `params` with the run's seed added; logs the seed with how to replay it. */
export function seeded<T>(params: Omit<Parameters<T>, "seed"> = {}, label = "property"): Parameters<T> {
  const fromEnv = seedFromEnv();
  const seed = fromEnv ?? (Math.random() * 2 ** 32) >>> 0;
  console.log(`      fast-check ${label}: seed ${seed}${fromEnv === undefined ? " (replay with FC_SEED=" + seed + ")" : " (from FC_SEED)"}`);
  return { ...params, seed } as Parameters<T>;
}
