/**
 * DEVNET ONLY: the Axelar stand-in as a process of its own, for a local network already running:
 *   npx ts-node --transpile-only devnet/axelar/main.ts [state dir, default .devnet]
 *   npx ts-node --transpile-only devnet/axelar/main.ts status <source tx hash> [state dir]
 * The first form carries GMP messages between the chains of <state dir>/manifest.json until SIGINT/SIGTERM
 * (`npm start -- --axelar` runs the same stand-in inside its own process; do not run both at once: nothing
 * would be carried twice, but the second one's transactions would revert). The second prints a message's
 * status as JSON, read from the chains (AxelarGmp, the same answer the SDK module gives on live networks).
 */
import { readManifest } from "../../scripts/lib/manifest";
import { connectChain, standinChainsFromManifest } from "./chains";
import { LocalAxelarGmp } from "./local-gmp";
import { startAxelarStandin } from "./standin";

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  if (first === "status") {
    const [hash, stateDir] = rest;
    if (!hash) throw new Error("usage: devnet/axelar/main.ts status <source tx hash> [state dir]");
    const chains = standinChainsFromManifest(readManifest(stateDir)).map(connectChain);
    try {
      console.log(JSON.stringify(await new LocalAxelarGmp(chains).status(hash), null, 2));
    } finally {
      for (const c of chains) c.provider.destroy();
    }
    return;
  }
  const configs = standinChainsFromManifest(readManifest(first));
  const standin = await startAxelarStandin(configs, { log: (line) => console.log(line) });
  console.log(`axelar stand-in: carrying GMP messages between ${configs.map((c) => c.name).join(", ")}`);
  const stop = () => void standin.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(1);
});
