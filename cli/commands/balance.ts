/** `allo balance [address…]`: ALLO on the hub and on every chain, plus the address's transfers in flight. */
import { ethers } from "ethers";
import { fromBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { trackTransfer } from "../../relayer/transfer/track";
import { TOKEN_ABI } from "../../scripts/lib/permit";
import { formatAllo } from "../amount";
import { Clients, guard } from "../clients";
import { CliError } from "../errors";
import { evmSigner, hubMnemonic, type Network } from "../network";
import { table } from "../terminal";
import { listTransfers } from "./track";

/** An argument's kind: a hub account or an EVM account; anything else is refused with the fix. */
export function addressKind(raw: string, prefix: string): "hub" | "evm" {
  if (ethers.isAddress(raw)) return "evm";
  try {
    if (fromBech32(raw).prefix === prefix) return "hub";
  } catch {
    // fall through
  }
  throw new CliError(`"${raw}" is neither an EVM address (0x…) nor a hub account (${prefix}1…)`, "give addresses of either kind, or none for the default accounts");
}

async function defaultAddresses(net: Network): Promise<string[]> {
  const out: string[] = [];
  try {
    out.push((await evmSigner(net, null)).address);
  } catch {
    // no EVM key configured: only the hub account
  }
  try {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(hubMnemonic(net), { prefix: net.hub.prefix });
    out.push((await w.getAccounts())[0].address);
  } catch {
    // no hub key configured
  }
  if (out.length === 0) throw new CliError("no address given and no key configured", "give addresses: allo balance 0x… allo1…");
  return out;
}

export async function balanceCommand(net: Network, addresses: string[], o: { json?: boolean }): Promise<void> {
  const list = addresses.length ? addresses : await defaultAddresses(net);
  const kinds = list.map((a) => addressKind(a, net.hub.prefix));
  const clients = new Clients(net);
  try {
    const query = await clients.hubQuery();
    const rows: { address: string; where: string; allo: bigint }[] = [];
    for (const [i, address] of list.entries()) {
      if (kinds[i] === "hub") {
        rows.push({ address, where: "hub", allo: BigInt((await query.getBalance(address, net.hub.denom)).amount) });
        continue;
      }
      for (const c of net.chains) {
        const token = new ethers.Contract(c.token, TOKEN_ABI, await clients.evm(c));
        rows.push({ address, where: c.name, allo: (await guard(clients, `${c.name}'s RPC`, c.rpc, () => token.balanceOf(address))) as bigint });
      }
    }
    // In flight: transfers from or to these addresses that are not final.
    const input = await clients.trackInput();
    const inflight: { ref: string; route: string; amount: bigint; stage: string; address: string }[] = [];
    for (const address of list) {
      for (const t of await listTransfers(clients, address)) {
        const r = await trackTransfer(input, t.ref);
        if (r && !r.final) inflight.push({ ref: t.ref, route: t.route, amount: t.amount, address, stage: r.stages.filter((s) => !s.done)[0]?.stage ?? "?" });
      }
    }
    if (o.json) {
      process.stdout.write(
        JSON.stringify({
          balances: rows.map((r) => ({ ...r, allo: formatAllo(r.allo), base: r.allo.toString() })),
          inFlight: inflight.map((f) => ({ ...f, amount: formatAllo(f.amount) })),
        }) + "\n",
      );
      return;
    }
    process.stdout.write(table(["address", "on", "ALLO"], rows.map((r) => [r.address, r.where, formatAllo(r.allo)])) + "\n");
    if (inflight.length) {
      process.stdout.write("in flight:\n" + table(["route", "ALLO", "next stage", "track with"], inflight.map((f) => [f.route, formatAllo(f.amount), f.stage, `allo track ${f.ref}`])) + "\n");
    } else {
      process.stdout.write("no transfers in flight\n");
    }
  } finally {
    await clients.close();
  }
}
