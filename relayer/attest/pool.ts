/**
 * The signature pool: attesters put their signature for a digest into a Redis hash; a submitter takes
 * them out once a threshold of VALID ones is there. Redis is untrusted: every signature is recovered and
 * checked against the current on-chain attester set here, and the contract checks them again.
 */
import type { Redis } from "ioredis";
import { SigningKey, getAddress } from "ethers";
import { concatBySigner, recoverSigner, signDigest } from "./eip712";
import { trimOldest } from "./bounded";

/**
 * How long a digest's signatures are kept at most (a batch that never lands). They are useless once the batch
 * landed, and the worker deletes them then (forget), so a long-running relayer keeps only in-flight digests.
 */
const SIGNATURE_TTL_SECONDS = 3 * 24 * 3600;

export class SignaturePool {
  /** signatures this process made itself (digest|signature -> signer): no need to recover them again */
  private readonly own = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(digest: string) {
    return `${this.prefix}:sigs:${digest.toLowerCase()}`;
  }

  /**
   * Signs `digest` with a local key and puts the signature in. The signer's address comes from the key
   * itself, so this process can skip recovering it later.
   */
  async sign(digest: string, wallet: { address: string; signingKey: SigningKey }): Promise<void> {
    const signature = signDigest(wallet.signingKey, digest);
    this.own.set(`${digest}|${signature}`, wallet.address);
    trimOldest(this.own, 5_000);
    await this.put(digest, wallet.address, signature);
  }

  /**
   * Signs `digest` with as few of `wallets` as `threshold` still needs: valid signatures already in the pool
   * count (another instance's, or ours), and our keys sign lowest address first (the submitter takes the
   * lowest). A signature past the threshold is one nobody submits; the bridge bench signed three per
   * transfer for a threshold of two. Returns how many it made.
   */
  async signToThreshold(digest: string, wallets: readonly { address: string; signingKey: SigningKey }[], signers: readonly string[], threshold: number): Promise<number> {
    const valid = await this.valid(digest, signers);
    let have = valid.size;
    let made = 0;
    // Stryker disable next-line EqualityOperator: equivalent; two wallets never share an address
    const lowestFirst = [...wallets].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    for (const w of lowestFirst) {
      if (have >= threshold) break;
      if (valid.has(getAddress(w.address))) continue;
      await this.sign(digest, w);
      have++;
      made++;
    }
    return made;
  }

  /** Puts a signature in under a claimed signer (the claim is never trusted; see valid()). */
  async put(digest: string, signer: string, signature: string): Promise<void> {
    await this.redis.multi().hset(this.key(digest), getAddress(signer), signature).expire(this.key(digest), SIGNATURE_TTL_SECONDS).exec();
  }

  /** Deletes a digest's signatures (its batch landed: nothing will ask for them again). */
  async forget(digest: string): Promise<void> {
    await this.redis.del(this.key(digest));
  }

  async has(digest: string, signer: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(digest), getAddress(signer))) === 1;
  }

  /**
   * The valid signatures for `digest` from members of `signers` (recovered, not trusted), keyed by
   * signer. Entries that do not recover to their claimed signer or to a member are ignored.
   */
  async valid(digest: string, signers: readonly string[]): Promise<Map<string, string>> {
    const members = new Set(signers.map((s) => getAddress(s)));
    const raw = await this.redis.hgetall(this.key(digest));
    const out = new Map<string, string>();
    for (const sig of Object.values(raw)) {
      const who = this.own.get(`${digest}|${sig}`) ?? recoverSigner(digest, sig);
      if (who !== undefined && members.has(who)) out.set(who, sig);
    }
    return out;
  }

  /**
   * Polls until `threshold` valid signatures are in the pool or `timeoutMs` passes. Returns the
   * combined signatures (the `threshold` lowest signer addresses, ascending) or undefined on timeout.
   */
  async waitForThreshold(
    digest: string,
    signers: readonly string[],
    threshold: number,
    timeoutMs: number,
    pollMs = 50,
    aborted: () => boolean = () => false,
  ): Promise<{ signatures: string; count: number } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const valid = await this.valid(digest, signers);
      if (valid.size >= threshold) {
        // Exactly the threshold (the lowest signer addresses): every extra signature costs ~3,700 gas.
        const chosen = [...valid.entries()].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, threshold);
        return { signatures: concatBySigner(chosen), count: chosen.length };
      }
      // Stryker disable next-line EqualityOperator: equivalent; gives up one millisecond later
      if (Date.now() >= deadline || aborted()) return undefined;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
