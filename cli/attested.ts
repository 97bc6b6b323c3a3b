/**
 * "attested k/n": how many valid attester signatures a delivery has gathered, counted from the relayer's
 * signature pool in Redis (relayer/attest/pool.ts). Redis is untrusted, so every signature is recovered and
 * only the destination bridge's current attesters count (SignaturePool.valid). Optional: without the relayer's
 * Redis (not configured, not reachable) the stage is simply not shown; the chains and the hub stay the truth
 * for every other stage.
 */
import { Redis } from "ioredis";
import { ethers } from "ethers";
import { transferDigest } from "../lib/eip712/bridge";
import { SignaturePool } from "../relayer/attest/pool";
import { BRIDGE_ABI } from "../relayer/transfer/deliver";
import type { TrackResult } from "../relayer/transfer/track";
import type { Clients } from "./clients";
import type { Attestations } from "./progress";

export class AttestationReader {
  private redis?: Redis;
  private broken = false;
  private readonly sets = new Map<string, { setId: bigint; signers: string[]; threshold: number }>();

  constructor(
    private readonly clients: Clients,
    private readonly relayer: { url: string; prefix: string } | undefined,
  ) {}

  /** The count for an EVM-bound transfer, or undefined when it cannot be told. */
  async read(result: TrackResult): Promise<Attestations | undefined> {
    const src = result.source;
    if (!this.relayer || this.broken || !src) return undefined;
    const dest = this.clients.net.chains.find((c) => BigInt(c.chainId) === src.destinationChain);
    if (!dest) return undefined;
    try {
      if (!this.redis) {
        this.redis = new Redis(this.relayer.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => null });
        this.redis.on("error", () => undefined);
        await this.redis.connect();
      }
      let set = this.sets.get(dest.name);
      if (!set) {
        const bridge = new ethers.Contract(dest.bridge, BRIDGE_ABI, await this.clients.evm(dest));
        const [setId, signers, threshold] = (await bridge.attesterSet()) as [bigint, string[], bigint];
        set = { setId, signers: [...signers], threshold: Number(threshold) };
        this.sets.set(dest.name, set);
      }
      const digest = transferDigest(
        { chainId: BigInt(dest.chainId), verifyingContract: dest.bridge },
        { setId: set.setId, sourceChain: src.chain, sourceBridge: src.bridge, sequence: src.sequence, recipient: ethers.getAddress(result.recipient), amount: result.amount },
      );
      const valid = await new SignaturePool(this.redis, this.relayer.prefix).valid(digest, set.signers);
      return { signed: valid.size, threshold: set.threshold, members: set.signers.length };
    } catch {
      // No relayer Redis here: show the stages the chains tell, without this one.
      this.broken = true;
      return undefined;
    }
  }

  close(): void {
    this.redis?.disconnect();
  }
}
