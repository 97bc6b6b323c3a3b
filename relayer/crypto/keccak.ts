/**
 * keccak256 for ethers from WebAssembly (hash-wasm), registered once at the relayer's start.
 *
 * ethers hashes with @noble/hashes' JavaScript keccak: 5-6 ms for the 20 kB of a 100-report batch transaction
 * and 30 µs for the 64 bytes of an address checksum, measured here; the WebAssembly one takes 0.3 ms and 3 µs.
 * A batch is hashed several times on its way (its reports' digests, the attesters' digest, the unsigned and the
 * signed transaction, every address checksum of its receipt), and at 1,000 topics keccak was the relayer's
 * largest single cost (9 % of its CPU, bench:relay profile of 2026-12-07). ethers lets an application replace
 * its keccak256 (`keccak256.register`); every ethers hash then goes through this one, which is checked against
 * ethers' own before it is registered.
 */
import { createKeccak } from "hash-wasm";
import { keccak256 } from "ethers";

let installed: Promise<void> | undefined;

/** Registers the WebAssembly keccak256 with ethers (once; later calls wait for the first). */
export function installFastKeccak(): Promise<void> {
  installed ??= (async () => {
    const hasher = await createKeccak(256);
    const fast = (data: Uint8Array): Uint8Array => hasher.init().update(data).digest("binary");
    // The known answers of ethers' own implementation, before anything is hashed by the new one.
    for (const probe of ["0x", "0x01", "0x" + "ab".repeat(135), "0x" + "cd".repeat(136), "0x" + "ef".repeat(1_000)]) {
      const bytes = Buffer.from(probe.slice(2), "hex");
      const expected = keccak256(bytes);
      const got = "0x" + Buffer.from(fast(bytes)).toString("hex");
      if (got !== expected) throw new Error(`WebAssembly keccak256 disagrees with ethers' on ${bytes.length} bytes (${got} != ${expected}); not registering it`);
    }
    keccak256.register(fast);
  })();
  return installed;
}
