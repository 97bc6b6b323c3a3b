/** `allo request` and `allo status`: today's scripts (request-inference, status) behind the one CLI. */
import { requestInference } from "../../scripts/request-inference";
import { readManifest } from "../../scripts/lib/manifest";
import { collectStatus, networkDown, renderStatus, statusJson } from "../../scripts/lib/status";
import { CliError, EXIT, isUnreachable } from "../errors";
import type { Network } from "../network";

function localOnly(net: Network, what: string): string {
  if (net.live || !net.stateDir) throw new CliError(`\`allo ${what}\` works on the local network only for now`, "leave out --network (or use --network local)");
  return net.stateDir;
}

export async function requestCommand(net: Network, o: { chain: string; topic: string; amount: string; timeout: string; wait: boolean }): Promise<void> {
  const stateDir = localOnly(net, "request");
  if (!net.chains.some((c) => c.name === o.chain)) {
    throw new CliError(`unknown chain "${o.chain}" in --chain`, `use one of ${net.chains.map((c) => c.name).join(", ")}`);
  }
  try {
    // The payer: ALLO_EVM_PRIVATE_KEY when set, else the script's default (devnet account #5).
    await requestInference({ ...o, stateDir, key: process.env.ALLO_EVM_PRIVATE_KEY });
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (isUnreachable(err)) throw new CliError(`the local network in ${stateDir} is not answering`, "start it with `npm start`", EXIT.unreachable);
    const message = (err as Error).message;
    throw new CliError(message, "", /holds .* ALLO/.test(message) ? EXIT.refused : EXIT.failure);
  }
}

export async function statusCommand(net: Network, o: { json?: boolean; rows: string }): Promise<void> {
  const stateDir = localOnly(net, "status");
  const manifest = readManifest(stateDir);
  const s = await collectStatus(manifest);
  if (o.json) process.stdout.write(JSON.stringify(statusJson(manifest, s)) + "\n");
  else if (!networkDown(manifest, s)) process.stdout.write(renderStatus(manifest, s, Number(o.rows)).join("\n") + "\n");
  if (networkDown(manifest, s)) throw new CliError(`the local network in ${stateDir} is not answering`, "start it with `npm start`", EXIT.unreachable);
  if (s.hubError || [...s.chains.values()].some((c) => c.error)) process.exitCode = EXIT.unreachable;
}
