/**
 * DEVNET ONLY: the Axelar stand-in. On live networks Axelar's own network confirms a GMP call, approves it on
 * the destination gateway and (its relayers) executes it. Locally nothing does, so this does it, on the local
 * chains of `npm start -- --axelar`:
 *   poll each gateway's `ContractCall` logs -> for a call to another local chain that paid the gas service:
 *   approve it on the destination gateway, signed by the DEVNET operator set (deploy/local-axelar.ts, as
 *   Axelar's validators sign), then call `execute` on the destination contract (the Axelar adapter, which mints).
 *
 * Exactly once: the gateway consumes an approval once, and every step looks at chain state first, so a
 * restart (which rescans the logs from block 0) or a second stand-in never carries a message twice:
 * `isCommandExecuted` -> already approved, do not approve again; `isContractCallApproved` false after that
 * -> already executed (consumed), nothing to do. A failed `execute` (the adapter paused, the token's limit)
 * leaves the approval in place; the message is retried every poll and its status says why it waits.
 *
 * Its transactions come from a DEVNET key of its own ({@link STANDIN_KEY}, funded with hardhat_setBalance),
 * so they never share a nonce with the deployer, the faucet or the relayer.
 */
import fs from "node:fs";
import path from "node:path";
import { Contract, ErrorFragment, Interface, Wallet, id, toQuantity, type InterfaceAbi } from "ethers";
import { approveOnLocalGateway, commandIdOf } from "../../deploy/local-axelar";
import type { AxelarGmp, GmpStatus } from "../../relayer/transfer/axelar/gmp";
import {
  CONTRACT_CALL_TOPIC,
  connectChain,
  gmpCallOf,
  type GmpCall,
  type StandinChain,
  type StandinChainConfig,
} from "./chains";
import { LocalAxelarGmp, newStandinMemory, type StandinMemory } from "./local-gmp";

/** Where the devnet (`npm start -- --axelar`) writes the stand-in's lines. */
export function standinLogFile(stateDir: string): string {
  return path.join(stateDir, "logs", "axelar-standin.log");
}

/** How long `stop` waits for the pass in progress; how long for an execution's receipt. */
const STOP_WAIT_MS = 2_000;
const RECEIPT_TIMEOUT_MS = 60_000;

/** DEVNET ONLY (derived from a public string): pays for the stand-in's approvals and executions. */
export const STANDIN_KEY = id("allora devnet: local Axelar stand-in relayer");

/**
 * `execute` of an AxelarExecutable, and the errors an execution of the adapter can end in (its own, the
 * gateway's, the token's limits and pause), to name them in the status instead of raw revert data.
 */
const EXECUTABLE = new Interface([
  "function execute(bytes32 commandId, string sourceChain, string sourceAddress, bytes payload)",
  "error NotApprovedByGateway()",
  "error InvalidAddress()",
  "error UntrustedSource(string sourceChain, string sourceAddress)",
  "error MalformedPayload(uint256 length)",
  "error ZeroAmount()",
  "error ZeroRecipient()",
  "error EnforcedPause()",
]);

export interface StandinOptions {
  /** How often to poll the gateways (default 500 ms). */
  pollMs?: number;
  /** One line per event worth knowing (a message carried, a failure); default: none. */
  log?: (line: string) => void;
}

export interface AxelarStandin {
  /** The same interface as the live SDK module: fee quote and message status. */
  readonly gmp: AxelarGmp & { statusOf(call: GmpCall): Promise<GmpStatus> };
  /** One pass over every gateway: carries what is new, retries what failed. Resolves when done. */
  pollOnce(): Promise<void>;
  /** Messages carried (executed) by this instance. */
  readonly executed: string[];
  /** Stops polling; resolves after the pass in progress. */
  stop(): Promise<void>;
}

/**
 * Connects to the chains, funds the stand-in's key on each (local chains only), and unless `start: false`
 * starts polling.
 */
export async function startAxelarStandin(
  configs: readonly StandinChainConfig[],
  opts: StandinOptions & { start?: boolean } = {},
): Promise<AxelarStandin> {
  let stopped = false;
  const log = (line: string): void => {
    if (!stopped) opts.log?.(line); // nothing after stop: the devnet's log file may be closed by then
  };
  const chains = configs.map(connectChain);
  const names = new Set(chains.map((c) => c.axelarName));
  if (names.size !== chains.length) {
    throw new Error(`two local chains share an Axelar name: ${chains.map((c) => `${c.name}=${c.axelarName}`).join(", ")}`);
  }
  const signers = new Map<string, Wallet>();
  await Promise.all(
    chains.map(async (c) => {
      const wallet = new Wallet(STANDIN_KEY, c.provider);
      if ((await c.provider.getBalance(wallet.address)) < 10n ** 18n) {
        await c.provider.send("hardhat_setBalance", [wallet.address, toQuantity(10n ** 20n)]);
      }
      signers.set(c.axelarName, wallet);
    }),
  );
  const errors = new Interface([...EXECUTABLE.fragments, ...projectErrors()]);
  const memory = newStandinMemory();
  const gmp = new LocalAxelarGmp(chains, memory);
  const cursors = new Map<string, number>(chains.map((c) => [c.name, 0]));
  /** Calls still to carry (approved but not executed, typically because execute reverted), by message id. */
  const pending = new Map<string, GmpCall>();
  /** Messages this instance has finished with (carried, found done, or refused), so a rescan skips them. */
  const settled = new Set<string>();
  const executed: string[] = [];

  const carry = (call: GmpCall) => carryCall(call, chains, signers, memory, errors, log, executed);

  const pollOnce = async (): Promise<void> => {
    for (const source of chains) {
      const from = cursors.get(source.name)!;
      const latest = await source.provider.getBlockNumber();
      if (latest < from - 1) cursors.set(source.name, 0); // the chain restarted from genesis
      if (latest < from) continue;
      const logs = await source.provider.getLogs({
        address: source.gateway,
        topics: [CONTRACT_CALL_TOPIC],
        fromBlock: from,
        toBlock: latest,
      });
      for (const l of logs) {
        const messageId = `${l.transactionHash}-${l.index}`;
        if (settled.has(messageId) || pending.has(messageId)) continue;
        const receipt = await source.provider.getTransactionReceipt(l.transactionHash);
        pending.set(messageId, gmpCallOf(source, l, receipt!.logs));
      }
      cursors.set(source.name, latest + 1);
    }
    for (const [messageId, call] of pending) {
      // One message's RPC failure does not hold up the others: it is retried on the next poll.
      const done = await carry(call).catch((err: Error) => {
        log(`axelar stand-in: ${messageId}: ${err.message} (retrying)`);
        return false;
      });
      if (done) {
        pending.delete(messageId);
        settled.add(messageId);
      }
    }
  };

  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = (): void => {
    if (stopped) return;
    running = pollOnce()
      .catch((err: Error) => log(`axelar stand-in: poll failed (retrying): ${err.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, opts.pollMs ?? 500);
      });
  };
  if (opts.start !== false) loop();

  return {
    gmp,
    // After the pass in progress (a failed earlier pass does not stop this one).
    pollOnce: () => (running = running.catch(() => undefined).then(pollOnce)),
    executed,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      // The pass in progress may be waiting on a chain that is already gone (the devnet stops its chains
      // first): wait for it a little, not for ever.
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        running.catch(() => undefined),
        new Promise<void>((resolve) => (bound = setTimeout(resolve, STOP_WAIT_MS))),
      ]);
      clearTimeout(bound);
      for (const c of chains) c.provider.destroy();
    },
  };
}

/**
 * Carries one call as far as it goes now. Returns true when nothing more is to be done with it (executed,
 * by this or anyone; or refused for good), false to retry on the next poll.
 */
async function carryCall(
  call: GmpCall,
  chains: readonly StandinChain[],
  signers: Map<string, Wallet>,
  memory: StandinMemory,
  errors: Interface,
  log: (line: string) => void,
  executed: string[],
): Promise<boolean> {
  const tag = `axelar stand-in: ${call.source.axelarName} -> ${call.destinationChain} ${call.messageId}`;
  if (!call.gasPaid) {
    log(`${tag}: no gas paid to the gas service, not carried`);
    return true;
  }
  const destination = chains.find((c) => c.axelarName === call.destinationChain);
  if (!destination) {
    log(`${tag}: "${call.destinationChain}" is none of the local chains, not carried`);
    return true;
  }
  const signer = signers.get(destination.axelarName)!;
  const gateway = destination.gatewayContract;
  const m = call.message;
  const commandId = commandIdOf(m);
  // 1. Approve, unless the gateway already has (this or an earlier stand-in): the gateway would skip it anyway.
  if (!((await gateway.isCommandExecuted(commandId)) as boolean)) {
    try {
      await approveOnLocalGateway(signer, destination.gateway, [m]);
    } catch (err) {
      // Another stand-in approved it first: fine. Anything else: retry on the next poll.
      if (!((await gateway.isCommandExecuted(commandId)) as boolean)) {
        log(`${tag}: approval failed (retrying): ${(err as Error).message}`);
        return false;
      }
    }
  }
  // 2. Execute, unless the approval is already consumed (executed).
  const approved = (await gateway.isContractCallApproved(
    commandId,
    m.sourceChain,
    m.sourceAddress,
    m.contractAddress,
    m.payloadHash,
  )) as boolean;
  if (!approved) {
    memory.errors.delete(call.messageId);
    return true;
  }
  // A call to an address without code would "succeed" as a plain transfer and consume nothing.
  if ((await destination.provider.getCode(m.contractAddress)) === "0x") {
    const reason = `${m.contractAddress} on ${destination.name} has no code: nothing to execute`;
    if (memory.errors.get(call.messageId) !== reason) log(`${tag}: ${reason}, not executed`);
    memory.errors.set(call.messageId, reason);
    return true;
  }
  const target = new Contract(m.contractAddress, errors, signer);
  memory.executing.add(call.messageId);
  try {
    const tx = await target.getFunction("execute")(commandId, m.sourceChain, m.sourceAddress, call.payload);
    const receipt = await tx.wait(1, RECEIPT_TIMEOUT_MS);
    if (receipt?.status !== 1) throw new Error(`execute ${tx.hash} reverted`);
    memory.errors.delete(call.messageId);
    executed.push(call.messageId);
    log(`${tag}: executed in ${receipt.hash} (gas ${receipt.gasUsed})`);
    return true;
  } catch (err) {
    const reason = revertReason(err, errors);
    if (memory.errors.get(call.messageId) !== reason) log(`${tag}: execute failed (retrying each poll): ${reason}`);
    memory.errors.set(call.messageId, reason);
    return false;
  } finally {
    memory.executing.delete(call.messageId);
  }
}

/**
 * The custom errors of the adapter and the token (their compiled artifacts, present wherever the devnet
 * deployed them), so that an execution that reverts inside the token (its limits, its pause) is named too.
 */
function projectErrors(): ErrorFragment[] {
  const root = path.resolve(__dirname, "..", "..", "artifacts", "contracts");
  const files = ["bridge/AlloraAxelarAdapter.sol/AlloraAxelarAdapter.json", "token/AlloToken.sol/AlloToken.json"];
  return files.flatMap((f) => {
    const file = path.join(root, f);
    if (!fs.existsSync(file)) return [];
    const { abi } = JSON.parse(fs.readFileSync(file, "utf8")) as { abi: InterfaceAbi };
    return new Interface(abi).fragments.filter((x): x is ErrorFragment => x.type === "error");
  });
}

/** A revert as `Name(args)` when its error is known, else ethers' short message. */
function revertReason(err: unknown, errors: Interface): string {
  type Decoded = { name: string; args: readonly unknown[] };
  const e = err as { data?: string; revert?: Decoded | null; shortMessage?: string; message?: string; info?: { error?: { data?: string } } };
  const data = e.data ?? e.info?.error?.data;
  let decoded: Decoded | null = e.revert ?? null;
  if (!decoded && typeof data === "string" && data.length >= 10) {
    try {
      decoded = errors.parseError(data);
    } catch {
      decoded = null;
    }
  }
  if (decoded) return `${decoded.name}(${decoded.args.map((a) => String(a)).join(", ")})`;
  return e.shortMessage ?? e.message ?? String(err);
}
