/**
 * TxSender against a real Hardhat node with automining off (transactions stay pending until evm_mine) and
 * the real job journal (a BullMQ job's data in Redis, relayer/queue/worker.ts): replacement of a stuck
 * transaction with the same nonce and higher fees, resuming from the journal without sending again (also
 * when the journaled transaction is mined between the resume's receipt check and its nonce check), the fee
 * cap, insufficient funds. Blocks are mined when the sender has reached a given step (seen on the RPC
 * calls it makes), never after a sleep.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import pino from "pino";
import IORedis from "ioredis";
import { Job, Queue } from "bullmq";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import { FailoverRpc } from "../../relayer/evm/rpc";
import { jobJournal } from "../../relayer/queue/worker";
import { InsufficientFundsError, Journal, SentTx, TxSender } from "../../relayer/submit/sender";
import { NonceManager } from "../../relayer/submit/nonce";
import { exactIntent } from "../../relayer/submit/intent";
import { ChainConfig } from "../../relayer/config/schema";
import { REDIS_URL, captureLogger, dropPrefixes, senderTestChain, uniquePrefix, waitFor } from "./helpers";

const ROOT = path.resolve(__dirname, "../..");
const MNEMONIC = "test test test test test test test test test test test junk"; // PUBLIC Hardhat test mnemonic
const account = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: process.env.TEST_LOG ?? "silent" });

/**
 * Calls `hook` with each JSON-RPC method and params that `provider` is about to send, and waits for it
 * before sending: a test sees which step the sender has reached, or acts (mines) right before a call.
 */
function onRpc(provider: JsonRpcProvider, hook: (method: string, params: unknown[]) => Promise<void> | void): void {
  const send = provider.send.bind(provider);
  provider.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
    await hook(method, params as unknown[]);
    return send(method, params);
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe("relayer submit: TxSender on a Hardhat node", function () {
  this.timeout(180_000);
  let node: ChildProcess;
  let rpc: FailoverRpc;
  let url: string;

  const chain = (over: Partial<ChainConfig> = {}): ChainConfig => senderTestChain(url, over);

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // auto mining off, interval mining practically never: only evm_mine includes transactions
    node = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)], {
      cwd: ROOT,
      env: { ...process.env, HARDHAT_CHAIN_ID: "31337", HARDHAT_BLOCK_TIME_MS: "100000000" },
      stdio: "ignore",
    });
    rpc = new FailoverRpc("hh", [url], 31337, log);
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await rpc.current.getBlockNumber();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(500);
      }
    }
  });

  after(async () => {
    rpc?.destroy();
    node?.kill("SIGKILL");
    await queue?.close();
    redis?.disconnect();
    await dropPrefixes([prefix]);
  });

  // The job journal the worker uses: each test's transactions live in a BullMQ job's data in Redis.
  const prefix = uniquePrefix("sender");
  let redis: IORedis;
  let queue: Queue<{ sent?: SentTx[] }>;
  let jobs = 0;
  /** A fresh job and its journal; `reload()` reads the job back from Redis, as a retry after a crash would. */
  async function redisJournal(): Promise<{ journal: Journal; sent(): SentTx[]; reload(): Promise<Journal> }> {
    redis ??= new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue ??= new Queue<{ sent?: SentTx[] }>("sender-test", { connection: redis, prefix });
    const job = await queue.add("send", {}, { jobId: `job-${++jobs}` });
    return {
      journal: jobJournal(job),
      sent: () => job.data.sent ?? [],
      reload: async () => jobJournal((await Job.fromId<{ sent?: SentTx[] }>(queue, job.id!))!),
    };
  }

  const mine = () => rpc.current.send("evm_mine", []);
  /** A sender for `w`; pass its own `via` (FailoverRpc) to watch or steer its RPC calls with {@link onRpc}. */
  const senderFor = (w: Wallet | HDNodeWallet, over: Partial<ChainConfig> = {}, via = rpc, logger = log) => {
    const wallet = new Wallet(w.privateKey);
    return new TxSender(chain(over), via, wallet, new NonceManager({ pendingNonce: () => via.current.getTransactionCount(wallet.address, "pending") }), logger);
  };
  const ownRpc = () => new FailoverRpc("hh", [url], 31337, log);

  it("replaces a stuck transaction with the same nonce and both fees >= 12.5 % higher, then resumes from the journal", async () => {
    const w = account(15);
    const sender = senderFor(w);
    const { journal, sent, reload } = await redisJournal();
    const nonceBefore = await rpc.current.getTransactionCount(w.address, "latest");
    const sending = sender.send(exactIntent(account(16).address, "0x1234"), journal);
    // let it sit past replaceAfterMs at least twice, then include whatever is in the mempool
    const deadline = Date.now() + 20_000;
    while (sent().length < 3 && Date.now() < deadline) await sleep(100);
    expect(sent().length).to.be.at.least(3);
    await mine();
    const { receipt, resumed } = await sending;
    expect(resumed).to.equal(false);
    expect(new Set(sent().map((t) => t.nonce))).to.deep.equal(new Set([nonceBefore]));
    for (let i = 1; i < sent().length; i++) {
      const [a, b] = [sent()[i - 1].fees, sent()[i].fees];
      expect(BigInt(b.maxFeePerGas) * 1000n >= BigInt(a.maxFeePerGas) * 1125n, "maxFeePerGas bumped >= 12.5 %").to.equal(true);
      expect(BigInt(b.maxPriorityFeePerGas) * 1000n >= BigInt(a.maxPriorityFeePerGas) * 1125n, "priority fee bumped >= 12.5 %").to.equal(true);
    }
    expect(sent().map((t) => t.hash)).to.include(receipt.hash);
    expect(await rpc.current.getTransactionCount(w.address, "latest")).to.equal(nonceBefore + 1);

    // a retried job (fresh sender and nonce manager, the job read back from Redis, e.g. after a crash)
    // finds the receipt and sends nothing
    const again = await senderFor(w).send(exactIntent(account(16).address, "0x1234"), await reload());
    expect(again.resumed).to.equal(true);
    expect(again.receipt.hash).to.equal(receipt.hash);
    expect(await rpc.current.getTransactionCount(w.address, "pending")).to.equal(nonceBefore + 1);
  });

  /**
   * A first attempt that gives up waiting (bounded receipt wait) while its transaction is pending: the job
   * is left with one journaled transaction, as after a timeout or a crash.
   */
  async function pendingJob(w: HDNodeWallet, data: string) {
    const job = await redisJournal();
    const first = senderFor(w, { replaceAfterMs: 60_000, receiptTimeoutMs: 800 });
    await first.send(exactIntent(account(16).address, data), job.journal).then(
      () => expect.fail("should time out"),
      (e) => expect((e as Error).message).to.match(/no receipt for nonce \d+ after \d+ ms \(will resume from the journal\)/),
    );
    expect(job.sent()).to.have.length(1);
    return job;
  }

  it("resumes a journaled transaction that is still pending instead of sending a second one", async () => {
    const w = account(17);
    const { sent, reload } = await pendingJob(w, "0x");
    // Mine once the retry has found the transaction still pending: it rebroadcasts it and waits for it.
    const via = ownRpc();
    let rebroadcast = false;
    onRpc(via.current, (method) => void (method === "eth_sendRawTransaction" && (rebroadcast = true)));
    const journal = await reload();
    const retry = senderFor(w, { replaceAfterMs: 60_000 }, via).send(exactIntent(account(16).address, "0x"), journal);
    await waitFor("the retry to rebroadcast the journaled transaction", async () => rebroadcast || undefined, 20_000, 20);
    await mine();
    const { receipt } = await retry;
    via.destroy();
    expect(receipt.hash).to.equal(sent()[0].hash);
    expect(journal.entries()).to.have.length(1); // nothing new was signed
  });

  it("resumes, not resends, when the journaled transaction is mined between the receipt check and the nonce check", async () => {
    const w = account(19);
    const { sent, reload } = await pendingJob(w, "0x01");
    const nonceBefore = sent()[0].nonce;
    // The retry looks for a receipt (none: pending), then reads the mined nonce count. Mine right before
    // that read, so the transaction is in a block by then although the receipt check saw none.
    const via = ownRpc();
    let minedAtNonceCheck = false;
    onRpc(via.current, async (method, params) => {
      if (method === "eth_getTransactionCount" && params[1] === "latest" && !minedAtNonceCheck) {
        minedAtNonceCheck = true;
        await mine();
      }
    });
    const journal = await reload();
    const retry = senderFor(w, { replaceAfterMs: 60_000, receiptTimeoutMs: 5_000 }, via).send(exactIntent(account(16).address, "0x01"), journal);
    // A second transaction stays pending (no automining): mine it, so a resend shows up in the counts below
    // rather than as a timeout.
    let settled = false;
    const outcome = retry.then(
      (r) => ((settled = true), r),
      (e: Error) => ((settled = true), e),
    );
    await waitFor("the retry to finish or sign a second transaction", async () => settled || journal.entries().length > 1 || undefined, 30_000, 20);
    if (!settled) await mine();
    const result = await outcome;
    via.destroy();
    expect(minedAtNonceCheck, "the block was mined at the nonce check").to.equal(true);
    expect(journal.entries().map((t) => t.hash), "journaled transactions").to.deep.equal([sent()[0].hash]);
    expect(result).not.to.be.instanceOf(Error);
    const { receipt, resumed } = result as Exclude<typeof result, Error>;
    expect(resumed).to.equal(true);
    expect(receipt.hash).to.equal(sent()[0].hash);
    expect(await rpc.current.getTransactionCount(w.address, "pending"), "transactions sent").to.equal(nonceBefore + 1);
  });

  it("does not bump above the fee cap; the transaction waits instead", async () => {
    const w = account(18);
    const fee = await rpc.current.getFeeData();
    const capGwei = (Number(fee.maxFeePerGas! / 10n ** 9n) + 1).toString();
    const { journal, sent } = await redisJournal();
    const { log: captured, lines } = captureLogger();
    const sending = senderFor(w, { fees: { strategy: "eip1559", maxFeePerGasGwei: capGwei, maxPriorityFeePerGasGwei: capGwei, bumpPercent: 50, gasLimitMultiplier: 1.2 } }, rpc, captured).send(exactIntent(account(16).address, "0x"), journal);
    // Two replacement windows that ended at the cap: bumps were tried and refused, not merely not reached.
    const atCap = () => lines.filter((l) => l.msg === "transaction stuck and fee caps reached; waiting").length;
    await waitFor("two replacement windows stopped by the fee cap", async () => atCap() >= 2 || undefined, 30_000, 20);
    await mine();
    await sending;
    const cap = BigInt(capGwei) * 10n ** 9n;
    for (const t of sent()) expect(BigInt(t.fees.maxFeePerGas) <= cap).to.equal(true);
    expect(sent().length).to.be.at.most(2);
  });

  it("reports insufficient funds as such", async () => {
    const broke = Wallet.createRandom();
    await senderFor(broke).send(exactIntent(account(16).address, "0x"), (await redisJournal()).journal).then(
      () => expect.fail("should fail"),
      (e) => expect(e, (e as Error).message.slice(0, 300)).to.be.instanceOf(InsufficientFundsError),
    );
  });
  it("a nonce below ours missing from the chain and the mempool (a deep reorg dropped it) is filled with this job's work", async () => {
    const w = account(17);
    const n = await rpc.current.getTransactionCount(w.address, "latest");
    // The nonce manager's view after a reorg deeper than the confirmations dropped our mined nonce n: next is n + 1.
    const wallet = new Wallet(w.privateKey);
    const sender = new TxSender(chain(), rpc, wallet, new NonceManager({ pendingNonce: async () => n + 1 }), log);
    const { journal, sent } = await redisJournal();
    const sending = sender.send(exactIntent(account(16).address, "0x1234"), journal);
    await waitFor("the job sent again at the missing nonce", async () => sent().some((t) => t.nonce === n) || undefined, 20_000, 50);
    // Journaled before it is broadcast: mine only once the node holds it (it counts as pending from then on),
    // or the block is mined empty and nothing mines the refill (seen under load).
    await waitFor("the refill in the node's pool", async () => ((await rpc.current.getTransactionCount(w.address, "pending")) > n ? true : undefined), 20_000, 50);
    await mine();
    const { receipt } = await sending;
    const mined = await rpc.current.getTransaction(receipt.hash);
    expect(mined!.nonce, "mined at the missing nonce").to.equal(n);
    expect(sent()[0].nonce, "first sent above the gap").to.equal(n + 1);
    await mine(); // the first transaction, executable now, is mined too: no nonce left out
    expect(await rpc.current.getTransactionCount(w.address, "latest")).to.equal(n + 2);
  });
});
