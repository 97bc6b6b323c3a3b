/**
 * TxSender paths that sender.test.ts and hostile-rpc-receipts.test.ts leave open, written for the
 * `relayer-submit` mutation area, on a real Hardhat node with automining off (blocks only from evm_mine).
 * Where a test needs an answer the node does not give by itself (a receipt for another transaction, an
 * error after the node took the transaction), a JSON-RPC proxy in front of the node rewrites that one
 * answer and forwards everything else: the node is real, the proxy plays a faulty RPC provider.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import pino from "pino";
import IORedis from "ioredis";
import { Queue } from "bullmq";
import { HDNodeWallet, JsonRpcProvider, Transaction, Wallet, formatEther, parseEther } from "ethers";
import { FailoverRpc, isTransportError } from "../../relayer/evm/rpc";
import {
  InsufficientFundsError,
  Journal,
  LimitError,
  SentTx,
  SimulationError,
  TxSender,
} from "../../relayer/submit/sender";
import { NonceManager } from "../../relayer/submit/nonce";
import { contractIntent, exactIntent } from "../../relayer/submit/intent";
import { initialFees } from "../../relayer/submit/fees";
import { ChainConfig } from "../../relayer/config/schema";
import { REDIS_URL, ROOT, account, captureLogger, dropPrefixes, freePort, senderTestChain, uniquePrefix, waitFor } from "./helpers";
import { jobJournal } from "../../relayer/queue/worker";

const silent = pino({ level: "silent" });


type RpcAnswer = { result?: unknown; error?: { code: number; message: string } };
/** Decides one call's answer: undefined forwards it to the node; `forward()` asks the node. */
type Rewrite = (
  method: string,
  params: unknown[],
  forward: () => Promise<RpcAnswer>,
) => Promise<RpcAnswer | undefined> | RpcAnswer | undefined;

/** A JSON-RPC proxy to `upstream` whose answers `rewrite` may replace (single calls and batches). */
async function rpcProxy(
  upstream: string,
): Promise<{ url: string; rewrite: Rewrite | undefined; close(): Promise<void> }> {
  const state: { url: string; rewrite: Rewrite | undefined; close(): Promise<void> } = {
    url: "",
    rewrite: undefined,
    close: async () => undefined,
  };
  const ask = async (call: { id: unknown; method: string; params?: unknown[] }): Promise<RpcAnswer> => {
    const r = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", ...call }),
    });
    const body = (await r.json()) as RpcAnswer;
    return body.error ? { error: body.error } : { result: body.result };
  };
  const answer = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    const forward = () => ask(call);
    const out = (await state.rewrite?.(call.method, call.params ?? [], forward)) ?? (await forward());
    return { jsonrpc: "2.0", id: call.id, ...out };
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      void (async () => {
        const request = JSON.parse(body);
        const out = Array.isArray(request) ? await Promise.all(request.map(answer)) : await answer(request);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(out));
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

/** Calls `hook` before each JSON-RPC call the provider sends (to see how far the sender got, or to act first). */
function onRpc(
  provider: JsonRpcProvider,
  hook: (method: string, params: unknown[]) => Promise<void> | void,
): void {
  const send = provider.send.bind(provider);
  provider.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
    await hook(method, params as unknown[]);
    return send(method, params);
  };
}

// Init code of two tiny contracts: one whose every call reverts (PUSH1 0 PUSH1 0 REVERT), one that stops.
const REVERTER_INIT = "0x6460006000fd6000526005601bf3";
const STOPPER_INIT = "0x600060005360016000f3";

describe("relayer submit: TxSender edges on a Hardhat node (mutation tests)", function () {
  this.timeout(120_000);
  let node: ChildProcess;
  let url: string;
  let rpc: FailoverRpc;
  const rpcs: FailoverRpc[] = [];
  const proxies: Array<{ close(): Promise<void> }> = [];
  let reverter: string;
  let stopper: string;

  // no replacement and long receipt waits unless a test asks for them
  const chain = (over: Partial<ChainConfig> = {}): ChainConfig =>
    senderTestChain(url, { replaceAfterMs: 60_000, receiptTimeoutMs: 30_000, ...over });
  const mine = () => rpc.current.send("evm_mine", []);
  const rpcAt = (at: string) => {
    const r = new FailoverRpc("hh", [at], 31337, silent);
    rpcs.push(r);
    return r;
  };
  const senderFor = (
    w: Wallet | HDNodeWallet,
    over: Partial<ChainConfig> = {},
    opts: { via?: FailoverRpc; log?: pino.Logger; now?: () => number; nonce?: () => Promise<number> } = {},
  ) => {
    const wallet = new Wallet(w.privateKey);
    const via = opts.via ?? rpc;
    const nonces = new NonceManager({
      pendingNonce: opts.nonce ?? (() => via.current.getTransactionCount(wallet.address, "pending")),
    });
    return new TxSender(chain(over), via, wallet, nonces, opts.log ?? silent, () => false, opts.now);
  };
  /** Until the newest journaled transaction is in the node's pool (it is journaled before it is broadcast). */
  const inPool = (journal: { list: SentTx[] }, index = -1) =>
    waitFor(
      "the journaled transaction in the node's pool",
      async () => {
        const hash = journal.list.at(index)?.hash;
        return hash && (await rpc.current.getTransaction(hash)) ? true : undefined;
      },
      30_000,
      20,
    );
  const deploy = async (init: string): Promise<string> => {
    const w = new Wallet(account(0).privateKey, rpc.current);
    const tx = await w.sendTransaction({ data: init, gasLimit: 100_000 });
    await mine();
    return (await rpc.current.getTransactionReceipt(tx.hash))!.contractAddress!;
  };
  /** A transaction of `w`'s that another instance journaled: signed, not broadcast. */
  const foreignEntry = async (w: HDNodeWallet, to: string, data: string, nonce: number): Promise<SentTx> => {
    const fee = await rpc.current.getFeeData();
    const raw = await new Wallet(w.privateKey).signTransaction(
      Transaction.from({
        to,
        data,
        nonce,
        gasLimit: 50_000n,
        chainId: 31337n,
        type: 2,
        maxFeePerGas: fee.maxFeePerGas! * 2n,
        maxPriorityFeePerGas: fee.maxPriorityFeePerGas!,
        value: 0n,
      }),
    );
    return { hash: Transaction.from(raw).hash!, from: w.address, nonce, raw, fees: {}, sentAt: Date.now() };
  };
  const target = account(19).address;

  // The journal the workers use: a BullMQ job's data in Redis (relayer/queue/worker.ts jobJournal).
  const prefix = uniquePrefix("sender-mutation");
  let redis: IORedis | undefined;
  let queue: Queue<{ sent?: SentTx[] }> | undefined;
  let jobs = 0;
  /** A job's journal holding `entries` (as Redis may hold anything); `list` reads the job's entries back. */
  const jobJournalWith = async (entries: unknown[] = []): Promise<Journal & { readonly list: SentTx[] }> => {
    redis ??= new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue ??= new Queue<{ sent?: SentTx[] }>("sender-mutation", { connection: redis, prefix });
    const job = await queue.add("send", { sent: entries as SentTx[] }, { jobId: `job-${++jobs}` });
    const journal = jobJournal(job);
    return {
      entries: journal.entries,
      record: journal.record,
      get list() {
        return job.data.sent ?? [];
      },
    };
  };
  /** the gas limit the sender signs for a call from `from` to the target: the node's estimate x 1.2 */
  const gasLimitOf = async (from: string, data: string) =>
    ((await rpc.current.estimateGas({ from, to: target, data })) * 1200n) / 1000n;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // auto mining off, interval mining practically never: only evm_mine includes transactions
    node = spawn(
      process.execPath,
      [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)],
      {
        cwd: ROOT,
        env: { ...process.env, HARDHAT_CHAIN_ID: "31337", HARDHAT_BLOCK_TIME_MS: "100000000" },
        stdio: "ignore",
      },
    );
    rpc = new FailoverRpc("hh", [url], 31337, silent);
    await waitFor(
      "the Hardhat node",
      async () => (await rpc.current.getBlockNumber().catch(() => undefined)) !== undefined || undefined,
      120_000,
      200,
    );
    reverter = await deploy(REVERTER_INIT);
    stopper = await deploy(STOPPER_INIT);
  });

  after(async () => {
    for (const r of rpcs) r.destroy();
    for (const p of proxies) await p.close();
    rpc?.destroy();
    node?.kill("SIGKILL");
    await queue?.close();
    redis?.disconnect();
    await dropPrefixes([prefix]);
  });

  const proxy = async (rewrite: Rewrite) => {
    const p = await rpcProxy(url);
    p.rewrite = rewrite;
    proxies.push(p);
    return { proxy: p, via: rpcAt(p.url) };
  };

  describe("before signing", () => {
    it("a simulation that reverts is a SimulationError naming the chain; nothing is signed", async () => {
      const journal = await jobJournalWith();
      const e = await senderFor(account(1))
        .send(exactIntent(reverter, "0x"), journal)
        .catch((x: Error) => x);
      expect(e).to.be.instanceOf(SimulationError);
      expect((e as Error).name).to.equal("SimulationError");
      expect((e as Error).message).to.match(/^chain hh: simulation reverted: /);
      expect(journal.list).to.have.length(0);
    });

    it("an estimate refused for insufficient funds is InsufficientFundsError; a transport error is passed on as it is", async () => {
      const { via } = await proxy((method) =>
        method === "eth_estimateGas"
          ? { error: { code: -32000, message: "insufficient funds for gas * price + value" } }
          : undefined,
      );
      const e = await senderFor(account(1), {}, { via })
        .send(exactIntent(target, "0x"), await jobJournalWith())
        .catch((x: Error) => x);
      expect(e).to.be.instanceOf(InsufficientFundsError);
      const dead = rpcAt(`http://127.0.0.1:${await freePort()}`);
      const t = await senderFor(account(1), {}, { via: dead })
        .send(exactIntent(target, "0x"), await jobJournalWith())
        .catch((x: Error) => x);
      expect(t).to.not.be.instanceOf(SimulationError);
      expect(isTransportError(t), (t as Error).message).to.equal(true);
    });

    it("a contract intent to an address without code signs nothing; to a contract it is sent", async () => {
      const journal = await jobJournalWith();
      const e = await senderFor(account(2))
        .send(contractIntent(target, "0x"), journal)
        .catch((x: Error) => x);
      expect((e as Error).message).to.equal(
        `chain hh: ${target} has no contract code (the chain was reset, or the config points at another deployment); nothing was signed`,
      );
      expect(journal.list).to.have.length(0);
      const sending = senderFor(account(2)).send(contractIntent(stopper, "0x"), journal);
      await inPool(journal);
      await mine();
      expect((await sending).receipt.to).to.equal(stopper);
    });

    it("each refusal by a limit is a LimitError reported to the metrics hook, with what it would have cost", async () => {
      const hits: string[] = [];
      const capped = senderFor(account(3), { maxGasPerTx: 21_000 });
      capped.events.limitHit = (l) => void hits.push(l);
      const e = await capped
        .send(exactIntent(target, "0x" + "11".repeat(64)), await jobJournalWith())
        .catch((x: Error) => x);
      expect((e as LimitError).name).to.equal("LimitError");
      const poor = senderFor(account(3), { maxSpendPerHour: "0.000000001" });
      poor.events.limitHit = (l) => void hits.push(l);
      const s = await poor.send(exactIntent(target, "0x"), await jobJournalWith()).catch((x: Error) => x);
      expect(hits).to.deep.equal(["gas_cap", "spend_budget"]);
      // the estimate x 1.2 at the fee the sender chose
      const fees = initialFees(chain().fees, await rpc.current.getFeeData());
      const cost =
        (await gasLimitOf(account(3).address, "0x")) * (fees.type === 2 ? fees.maxFeePerGas : fees.gasPrice);
      expect((s as Error).message).to.include(
        `this transaction may cost up to ${formatEther(cost)}, maxSpendPerHour is 0.000000001`,
      );
      // the legacy rule's cost is its gas price
      const legacy = senderFor(account(3), {
        maxSpendPerHour: "0.000000001",
        fees: { strategy: "legacy", maxFeePerGasGwei: "1000", bumpPercent: 12.5, gasLimitMultiplier: 1.2 },
      });
      const l = await legacy.send(exactIntent(target, "0x"), await jobJournalWith()).catch((x: Error) => x);
      expect(l).to.be.instanceOf(LimitError);
      expect((l as Error).message).to.match(/may cost up to 0\.0\d*[1-9]\d*, maxSpendPerHour/);
    });

    it("fee suggestions are reused for first sends for 2 s, then asked again", async () => {
      let gasPriceCalls = 0;
      const { via } = await proxy((method) => void (method === "eth_gasPrice" && gasPriceCalls++));
      let now = 1_000_000;
      const sender = senderFor(account(4), {}, { via, now: () => now });
      const sendOne = async (at: number) => {
        now = at;
        const journal = await jobJournalWith();
        const sending = sender.send(exactIntent(target, "0x"), journal);
        await inPool(journal);
        await mine();
        await sending;
      };
      await sendOne(1_000_000);
      expect(gasPriceCalls, "first send").to.equal(1);
      await sendOne(1_001_999);
      expect(gasPriceCalls, "1,999 ms later: the cached suggestion").to.equal(1);
      await sendOne(1_002_000);
      expect(gasPriceCalls, "2,000 ms after the fetch: asked again").to.equal(2);
    });
  });

  describe("the journal and the receipts", () => {
    it("journals a legacy chain's gas price", async () => {
      const journal = await jobJournalWith();
      const sending = senderFor(account(5), {
        fees: { strategy: "legacy", maxFeePerGasGwei: "1000", bumpPercent: 12.5, gasLimitMultiplier: 1.2 },
      }).send(exactIntent(target, "0x"), journal);
      await inPool(journal);
      await mine();
      await sending;
      expect(Object.keys(journal.list[0].fees)).to.deep.equal(["type", "gasPrice"]);
      expect(journal.list[0].fees.type).to.equal("0");
      expect(BigInt(journal.list[0].fees.gasPrice) > 0n).to.equal(true);
    });

    it("a journal entry that fails its checks is reported once, with its reason, problem and (shortened) hash", async () => {
      const { log, lines } = captureLogger();
      const sender = senderFor(account(6), {}, { log });
      const reasons: string[] = [];
      sender.events.journalRejected = (r) => void reasons.push(r);
      const longHash = "0x" + "ab".repeat(40);
      const journal = await jobJournalWith([{ hash: longHash, raw: "0x02dead" }, { raw: 5 }, null]);
      const sending = sender.send(exactIntent(target, "0x"), journal);
      await inPool(journal);
      await mine();
      await sending;
      expect(reasons).to.deep.equal(["undecodable", "undecodable", "undecodable"]);
      const alerts = lines.filter((l) => l.alert === "journal_entry_rejected");
      expect(alerts.map((a) => [a.chain, a.reason, a.hash, a.msg])).to.deep.equal([
        [
          "hh",
          "undecodable",
          longHash.slice(0, 66),
          "ignoring a journaled transaction that fails its checks (Redis holds data this relayer did not write)",
        ],
        [
          "hh",
          "undecodable",
          undefined,
          "ignoring a journaled transaction that fails its checks (Redis holds data this relayer did not write)",
        ],
        [
          "hh",
          "undecodable",
          undefined,
          "ignoring a journaled transaction that fails its checks (Redis holds data this relayer did not write)",
        ],
      ]);
      expect(alerts[0].problem).to.match(/^the raw transaction does not decode/);
      expect(alerts[1].problem).to.equal("the entry has no raw transaction or hash");
      expect(alerts[2].problem).to.equal("the entry has no raw transaction or hash");
    });

    it("a receipt the RPC gives for another transaction, or from another sender, is ignored and counted", async () => {
      let bogus = 0;
      const { via } = await proxy(async (method, _params, forward) => {
        if (method !== "eth_getTransactionReceipt") return undefined;
        const a = await forward();
        const r = a.result as Record<string, unknown> | null;
        if (!r || bogus >= 2) return a;
        bogus++;
        return {
          result:
            bogus === 1
              ? { ...r, transactionHash: "0x" + "77".repeat(32) }
              : { ...r, from: account(18).address.toLowerCase() },
        };
      });
      const { log, lines } = captureLogger();
      const sender = senderFor(account(7), {}, { via, log });
      let counted = 0;
      sender.events.bogusReceipt = () => void counted++;
      const journal = await jobJournalWith();
      const sending = sender.send(exactIntent(target, "0x"), journal);
      await inPool(journal);
      await mine();
      const { receipt } = await sending;
      expect(receipt.hash).to.equal(journal.list[0].hash);
      expect(counted).to.equal(2);
      const alerts = lines.filter((l) => l.alert === "rpc_bogus_receipt");
      expect(alerts.map((a) => [a.chain, a.asked, a.got, a.msg])).to.deep.equal([
        [
          "hh",
          journal.list[0].hash,
          "0x" + "77".repeat(32),
          "the RPC answered a receipt for another transaction; ignored",
        ],
        [
          "hh",
          journal.list[0].hash,
          journal.list[0].hash,
          "the RPC answered a receipt for another transaction; ignored",
        ],
      ]);
      // the same without a metrics hook
      bogus = 0;
      const plainJournal = await jobJournalWith();
      const plain = senderFor(account(7), {}, { via }).send(exactIntent(target, "0x01"), plainJournal);
      await inPool(plainJournal);
      await mine();
      expect((await plain).receipt.hash).to.equal(plainJournal.list[0].hash);
      expect(bogus).to.equal(2);
    });

    it("a receipt counts exactly `confirmations` deep, without waiting for one more block", async () => {
      const journal = await jobJournalWith();
      // no block is mined after these three: a sender waiting for a fourth fails at its receipt timeout
      const sending = senderFor(account(8), { confirmations: 2, receiptTimeoutMs: 8_000 }).send(
        exactIntent(target, "0x"),
        journal,
      );
      await inPool(journal);
      await rpc.current.send("hardhat_mine", ["0x3"]);
      const { receipt } = await sending;
      expect((await rpc.current.getBlockNumber()) - receipt.blockNumber).to.equal(2);
    });

    it("waiting for confirmations is bounded by receiptTimeoutMs, and says how long it waited", async () => {
      const journal = await jobJournalWith();
      const sending = senderFor(account(9), { confirmations: 1_000, receiptTimeoutMs: 3_000 }).send(
        exactIntent(target, "0x"),
        journal,
      );
      await inPool(journal);
      await mine();
      const e = (await sending.catch((x: Error) => x)) as Error;
      const m =
        /^chain hh: (0x[0-9a-f]{64}) not 1000 blocks deep after (\d+) ms \(will resume from the journal\)$/.exec(
          e.message,
        );
      expect(m, e.message).to.not.equal(null);
      expect(m![1]).to.equal(journal.list[0].hash);
      expect(Number(m![2])).to.be.within(1, 600_000);
    });

    it("a receipt that moved to another block counts its depth from there", async () => {
      // From the second time the node has the receipt, the proxy moves it to a block at the head, as after a
      // reorg that mined it again: it is then 0 deep, and no block follows.
      let seen = 0;
      const { via } = await proxy(async (method, _params, forward) => {
        if (method !== "eth_getTransactionReceipt") return undefined;
        const a = await forward();
        const r = a.result as Record<string, unknown> | null;
        if (!r || ++seen < 2) return a;
        const head = await rpc.current.getBlockNumber();
        return { result: { ...r, blockHash: "0x" + "5a".repeat(32), blockNumber: "0x" + head.toString(16) } };
      });
      const journal = await jobJournalWith();
      const sending = senderFor(account(10), { confirmations: 2, receiptTimeoutMs: 3_000 }, { via }).send(
        exactIntent(target, "0x"),
        journal,
      );
      await inPool(journal);
      await rpc.current.send("hardhat_mine", ["0x3"]);
      const e = (await sending.catch((x: Error) => x)) as Error;
      expect(e.message).to.match(/not 2 blocks deep after \d+ ms/);
      expect(seen).to.be.at.least(2);
    });

    it("a transaction mined but reverted fails the job, naming it and its block", async () => {
      // the proxy's estimate lets a reverting call through, as a state change between estimate and block would
      const { via } = await proxy((method) =>
        method === "eth_estimateGas" ? { result: "0x186a0" } : undefined,
      );
      const journal = await jobJournalWith();
      const sending = senderFor(account(11), {}, { via }).send(exactIntent(reverter, "0x"), journal);
      await inPool(journal);
      await mine();
      const e = (await sending.catch((x: Error) => x)) as Error;
      const block = (await rpc.current.getTransactionReceipt(journal.list[0].hash))!.blockNumber;
      expect(e.message).to.equal(`chain hh: transaction ${journal.list[0].hash} reverted in block ${block}`);
    });

    it("polls the node every pollIntervalMs, not in a busy loop", async () => {
      const via = rpcAt(url);
      const polls: number[] = [];
      onRpc(via.current, (method) => void (method === "eth_getTransactionReceipt" && polls.push(Date.now())));
      const journal = await jobJournalWith();
      const sending = senderFor(account(12), { pollIntervalMs: 200 }, { via }).send(
        exactIntent(target, "0x"),
        journal,
      );
      await waitFor("five receipt polls", async () => polls.length >= 5 || undefined, 30_000, 20);
      await mine();
      await sending;
      // a busy loop polls thousands of times; a slow machine polls less often, never more
      expect(polls[4] - polls[0]).to.be.at.least(4 * 200 * 0.9);
    });
  });

  describe("resuming and racing", () => {
    it("another instance's journaled transaction is pushed and, mined in its replacement window, completes the job", async () => {
      const other = account(13);
      const entry = await foreignEntry(
        other,
        target,
        "0xaa",
        await rpc.current.getTransactionCount(other.address, "pending"),
      );
      const journal = await jobJournalWith([entry]);
      const me = account(14);
      const before = await rpc.current.getTransactionCount(me.address, "pending");
      const sending = senderFor(me, { replaceAfterMs: 30_000 }).send(exactIntent(target, "0xaa"), journal);
      await inPool(journal, 0);
      await mine();
      const { receipt, resumed } = await sending;
      expect(resumed).to.equal(true);
      expect(receipt.hash).to.equal(entry.hash);
      expect(journal.list).to.have.length(1);
      expect(
        await rpc.current.getTransactionCount(me.address, "pending"),
        "this sender sent nothing",
      ).to.equal(before);
    });

    it("another instance's transaction not mined in its window: the sender sends its own", async () => {
      const other = account(13);
      // a nonce far ahead: the node keeps it queued, never minable
      const entry = await foreignEntry(
        other,
        target,
        "0xbb",
        (await rpc.current.getTransactionCount(other.address, "pending")) + 50,
      );
      const journal = await jobJournalWith([entry]);
      const me = account(14);
      const sending = senderFor(me, { replaceAfterMs: 300 }).send(exactIntent(target, "0xbb"), journal);
      await waitFor(
        "the sender's own transaction",
        async () => journal.list.length > 1 || undefined,
        30_000,
        20,
      );
      await inPool(journal);
      await mine();
      const { receipt, resumed } = await sending;
      expect(resumed).to.equal(false);
      expect(receipt.from).to.equal(me.address);
    });

    it("a broadcast answered 'nonce too low' after the node took it: the sender finds its receipt instead of failing", async () => {
      let answered = false;
      const { via } = await proxy(async (method, _params, forward) => {
        if (method !== "eth_sendRawTransaction" || answered) return undefined;
        answered = true;
        await forward(); // the node has it ...
        await mine(); // ... and mines it, but the answer that comes back is an error
        return { error: { code: -32000, message: "nonce too low" } };
      });
      const journal = await jobJournalWith([{ raw: 5 }]); // an entry that fails its checks comes first
      const { receipt, resumed } = await senderFor(account(15), {}, { via }).send(
        exactIntent(target, "0x"),
        journal,
      );
      expect(resumed).to.equal(false);
      expect(receipt.hash).to.equal(journal.list[1].hash);
      expect(journal.list).to.have.length(2);
    });

    it("a stale nonce (used by our own earlier transaction) fails the attempt with the node's error", async () => {
      const w = account(15);
      const used = (await rpc.current.getTransactionCount(w.address, "latest")) - 1;
      const journal = await jobJournalWith();
      const e = (await senderFor(w, {}, { nonce: async () => used })
        .send(exactIntent(target, "0x01"), journal)
        .catch((x: Error) => x)) as Error;
      expect(e.message).to.match(/nonce (too low|has already been used)/i);
      expect(journal.list).to.have.length(1);
    });

    it("our nonce used by a transaction the journal does not hold fails the job, naming the nonce", async () => {
      const w = account(16);
      const journal = await jobJournalWith();
      const sending = senderFor(w).send(exactIntent(target, "0x"), journal);
      await inPool(journal);
      // the same key, the same nonce, higher fees, other calldata: replaces ours in the pool and is mined
      const fee = await rpc.current.getFeeData();
      const nonce = journal.list[0].nonce;
      const raw = await new Wallet(w.privateKey).signTransaction(
        Transaction.from({
          to: target,
          data: "0xff",
          nonce,
          gasLimit: 50_000n,
          chainId: 31337n,
          type: 2,
          maxFeePerGas: parseEther("0.000001"),
          maxPriorityFeePerGas: fee.maxPriorityFeePerGas! * 10n,
          value: 0n,
        }),
      );
      await rpc.current.send("eth_sendRawTransaction", [raw]);
      await mine();
      const e = (await sending.catch((x: Error) => x)) as Error;
      expect(e.message).to.equal(
        `chain hh: nonce ${nonce} of ${w.address} was used by a transaction this relayer did not journal`,
      );
    });

    it("our transaction mined between the receipt poll and the nonce check is counted, not taken for someone else's", async () => {
      const w = account(17);
      const via = rpcAt(url);
      let minedAtNonceCheck = false;
      // The wait checks the mined nonce count about once a second, after a receipt poll: mine right before it.
      onRpc(via.current, async (method, params) => {
        if (method === "eth_getTransactionCount" && params[1] === "latest" && !minedAtNonceCheck) {
          minedAtNonceCheck = true;
          await mine();
        }
      });
      const journal = await jobJournalWith();
      const { receipt, resumed } = await senderFor(
        w,
        {},
        { via, nonce: () => rpc.current.getTransactionCount(w.address, "pending") },
      ).send(exactIntent(target, "0x"), journal);
      expect(minedAtNonceCheck).to.equal(true);
      expect(resumed, "sent by this attempt").to.equal(false);
      expect(receipt.hash).to.equal(journal.list[0].hash);
    });
  });

  describe("replacements", () => {
    /** A sender whose n-th eth_sendRawTransaction (1-based) is answered with `message` (the node never sees it). */
    const failingNth = async (n: number, message: string) => {
      let sends = 0;
      return proxy((method) =>
        method === "eth_sendRawTransaction" && ++sends === n
          ? { error: { code: -32000, message } }
          : undefined,
      );
    };

    it("a replacement the hour's budget cannot pay is not signed; the hook and the alert say so", async () => {
      const w = account(2);
      const fees = initialFees(chain().fees, await rpc.current.getFeeData());
      const first =
        (await gasLimitOf(w.address, "0x")) * (fees.type === 2 ? fees.maxFeePerGas : fees.gasPrice);
      // room for the first transaction, not for one 12.5 % dearer
      const { log, lines } = captureLogger();
      const sender = senderFor(
        w,
        { replaceAfterMs: 200, maxSpendPerHour: formatEther((first * 105n) / 100n) },
        { log },
      );
      const hits: string[] = [];
      sender.events.limitHit = (l) => void hits.push(l);
      const journal = await jobJournalWith();
      const sending = sender.send(exactIntent(target, "0x"), journal);
      await waitFor(
        "a replacement refused by the budget",
        async () => hits.length > 0 || undefined,
        30_000,
        20,
      );
      await mine();
      await sending;
      expect(hits[0]).to.equal("spend_budget");
      expect(journal.list).to.have.length(1);
      const alert = lines.find((l) => l.alert === "spend_budget");
      expect(alert).to.deep.include({
        chain: "hh",
        nonce: journal.list[0].nonce,
        msg: "transaction stuck and a replacement would exceed the spend budget; waiting",
      });
      // the same without a metrics hook: waits on too
      const { log: log2, lines: lines2 } = captureLogger();
      const plainJournal = await jobJournalWith();
      const plain = senderFor(
        w,
        { replaceAfterMs: 200, maxSpendPerHour: formatEther((first * 105n) / 100n) },
        { log: log2 },
      ).send(exactIntent(target, "0x01"), plainJournal);
      await waitFor(
        "a replacement refused by the budget",
        async () => lines2.some((l) => l.alert === "spend_budget") || undefined,
        30_000,
        20,
      );
      await mine();
      expect((await plain).receipt.hash).to.equal(plainJournal.list[0].hash);
    });

    it("a replacement refused for insufficient funds fails the job as such", async () => {
      const { via } = await failingNth(2, "insufficient funds for gas * price + value");
      const journal = await jobJournalWith();
      const e = await senderFor(account(3), { replaceAfterMs: 200 }, { via })
        .send(exactIntent(target, "0x02"), journal)
        .catch((x: Error) => x);
      expect(e).to.be.instanceOf(InsufficientFundsError);
      await mine(); // the first one, still pending
    });

    for (const [message, warned] of [
      ["replacement transaction underpriced", false],
      ["nonce too low", false],
      ["the node is unwell", true],
    ] as const) {
      it(`a replacement refused with "${message}" ${warned ? "is logged as a failure" : "is expected, not logged"}; the job waits on`, async () => {
        const { via } = await failingNth(2, message);
        const { log, lines } = captureLogger();
        const journal = await jobJournalWith();
        const sending = senderFor(account(4), { replaceAfterMs: 200 }, { via, log }).send(
          exactIntent(target, "0x03"),
          journal,
        );
        // a third entry: the refused second one's broadcast has come back and the wait went on
        await waitFor(
          "a replacement after the refused one",
          async () => journal.list.length >= 3 || undefined,
          30_000,
          20,
        );
        await inPool(journal);
        await mine();
        const { receipt } = await sending;
        // (the refused replacement is signed again, the same bytes, after the next replacement delay)
        expect(journal.list.map((t) => t.hash)).to.include(receipt.hash);
        const failures = lines.filter((l) => l.msg === "replacement broadcast failed");
        if (warned) {
          expect(failures[0]).to.deep.include({ chain: "hh" });
          expect(String(failures[0].err)).to.include(message);
        } else expect(failures).to.have.length(0);
      });
    }

    it("a failed rebroadcast while resuming is logged (debug) and the wait goes on", async () => {
      const w = account(5);
      const journal = await jobJournalWith();
      await senderFor(w, { receiptTimeoutMs: 500 })
        .send(exactIntent(target, "0x04"), journal)
        .catch(() => undefined);
      expect(journal.list).to.have.length(1);
      const { via } = await failingNth(1, "the node is unwell");
      const { log, lines } = captureLogger();
      const sending = senderFor(w, {}, { via, log }).send(exactIntent(target, "0x04"), journal);
      await waitFor(
        "the failed rebroadcast",
        async () => lines.some((l) => l.msg === "rebroadcast failed") || undefined,
        30_000,
        20,
      );
      await mine();
      const { receipt } = await sending;
      expect(receipt.hash).to.equal(journal.list[0].hash);
      expect(String(lines.find((l) => l.msg === "rebroadcast failed")!.err)).to.include("the node is unwell");
    });

    it("a failed refill broadcast is logged and tried again", async () => {
      const w = account(6);
      const n = await rpc.current.getTransactionCount(w.address, "latest");
      // the nonce manager's view after a deep reorg dropped our mined nonce n: next is n + 1 (see sender.test.ts)
      // the first broadcast at nonce n (the refill) fails; later ones (its replacements) reach the node
      let refused = false;
      const { via } = await proxy((method, params) => {
        if (
          method !== "eth_sendRawTransaction" ||
          refused ||
          Transaction.from(params[0] as string).nonce !== n
        )
          return undefined;
        refused = true;
        return { error: { code: -32000, message: "the node is unwell" } };
      });
      const { log, lines } = captureLogger();
      const journal = await jobJournalWith();
      const sending = senderFor(w, { replaceAfterMs: 200 }, { via, log, nonce: async () => n + 1 }).send(
        exactIntent(target, "0x05"),
        journal,
      );
      await waitFor(
        "a refill that reached the node",
        async () => ((await rpc.current.getTransactionCount(w.address, "pending")) > n ? true : undefined),
        30_000,
        20,
      );
      await mine();
      await sending;
      const failed = lines.find((l) => l.msg === "refill broadcast failed");
      expect(failed).to.deep.include({ chain: "hh" });
      expect(String(failed!.err)).to.include("the node is unwell");
      await mine();
    });
  });
});
