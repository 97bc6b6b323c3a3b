/**
 * `allo`: the ALLO holders' command line. Bridge between the hub and the EVM chains, follow transfers, see
 * balances, pay for inferences. The local network by default (npm start's manifest), or `--network <name>`.
 * Exit codes: 0 done, 1 unexpected failure, 2 refused (input, balance, limit, pause), 3 a node does not
 * answer or is the wrong network, 4 a sent transfer is not final yet (it goes on: `allo track` resumes).
 */
import { Command, CommanderError, Option } from "commander";
import pc from "picocolors";
import { defaultStateDir } from "../scripts/lib/manifest";
import { bridgeCommand } from "./commands/bridge";
import { balanceCommand } from "./commands/balance";
import { feedsCommand } from "./commands/feeds";
import { requestCommand, statusCommand } from "./commands/request";
import { trackCommand, transfersCommand } from "./commands/track";
import { CliError, EXIT, isUnreachable } from "./errors";
import { loadNetwork, type Network } from "./network";

interface Globals {
  network?: string;
  stateDir: string;
}

export function buildProgram(): Command {
  const program = new Command()
    .name("allo")
    .description("ALLO for holders: bridge between the Allora hub and the EVM chains, follow transfers, balances, inferences")
    .option("--network <name>", "a named network from cli/networks.json (sepolia, ethereum, …); default: the local network")
    .option("--state-dir <dir>", "the local network's state directory (env DEVNET_STATE_DIR)", defaultStateDir())
    .showHelpAfterError("(run allo --help for the commands)")
    // Commander's own refusals (unknown option, missing --amount) exit 2 like ours, not 1; set before the
    // subcommands so they inherit it.
    .exitOverride();
  const net = (): Network => {
    const g = program.opts<Globals>();
    return loadNetwork({ network: g.network, stateDir: g.stateDir });
  };

  program
    .command("bridge")
    .description("send ALLO between the hub and an EVM chain or between two EVM chains, then follow it")
    .requiredOption("--from <place>", "hub, or a chain name (ethereum, bnb, base, …)")
    .requiredOption("--to <place>", "hub, or a chain name")
    .requiredOption("--amount <ALLO>", "how much, e.g. 12.5 (up to 18 decimals)")
    .option("--to-address <address>", "recipient (default: your own account there)")
    .addOption(new Option("--route <route>", "who carries it: the attesters or Axelar (EVM <-> EVM only)").choices(["attested", "axelar"]).default("attested"))
    .option("--yes", "send without asking for confirmation")
    .option("--json", "print one JSON event per line (quote, submitted, stage…, final) instead of the live display")
    .option("--timeout <s>", "stop following after this long (the transfer goes on)", "600")
    .action(async (o) => bridgeCommand(net(), o));

  program
    .command("track <ref>")
    .description("one transfer's stages by transfer id, EVM source tx hash or hub deposit tx hash (no relayer needed)")
    .option("--follow", "keep following until it is final")
    .option("--json", "print JSON stage events")
    .option("--timeout <s>", "with --follow: stop following after this long", "600")
    .action(async (ref: string, o) => trackCommand(net(), ref, o));

  program
    .command("transfers")
    .description("recent transfers with their stage")
    .option("--address <address>", "only those from or to this address")
    .option("--limit <n>", "most recent N", "20")
    .option("--json", "one JSON object per line")
    .action(async (o) => transfersCommand(net(), o));

  program
    .command("balance [addresses...]")
    .description("ALLO on the hub and every chain, and transfers in flight (default: your accounts)")
    .option("--json", "print JSON")
    .action(async (addresses: string[], o) => balanceCommand(net(), addresses, o));

  program
    .command("request")
    .description("pay ALLO for a fresh inference of a topic on a chain and follow it (local network)")
    .requiredOption("--chain <name>", "chain name")
    .requiredOption("--topic <id>", "topic id")
    .requiredOption("--amount <ALLO>", "payment in ALLO")
    .option("--timeout <s>", "how long to wait for the update", "60")
    .option("--no-wait", "return after the request is mined")
    .action(async (o) => requestCommand(net(), o));

  program
    .command("feeds")
    .description("each topic's oracle and feed adapter addresses per chain")
    .option("--json", "one JSON object per line")
    .action((o) => feedsCommand(net(), o));

  program
    .command("status")
    .description("the local network at a glance: the hub's and every chain's latest inference per topic")
    .option("--json", "print JSON")
    .option("--rows <n>", "most topic rows", "20")
    .action(async (o) => statusCommand(net(), o));

  return program;
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander printed its message already; help and --version are not errors.
    return err.exitCode === 0 ? 0 : EXIT.refused;
  }
  if (err instanceof CliError) {
    process.stderr.write(`${pc.red("error:")} ${err.problem}\n${err.fix ? `  ${pc.bold("fix:")} ${err.fix}\n` : ""}`);
    return err.exitCode;
  }
  if (isUnreachable(err)) {
    process.stderr.write(`${pc.red("error:")} a node is not answering: ${(err as Error).message}\n  ${pc.bold("fix:")} check that the network is running (npm start) or the RPC URLs\n`);
    return EXIT.unreachable;
  }
  process.stderr.write(`${pc.red("error:")} ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failure;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
