/**
 * TxSender against a real Hardhat node with automining off (transactions stay pending until evm_mine):
 * replacement of a stuck transaction with the same nonce and higher fees, resuming from the journal
 * without sending again, the fee cap, insufficient funds.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import pino from "pino";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import { FailoverRpc } from "../../relayer/evm/rpc";
import { InsufficientFundsError, Journal, SentTx, TxSender } from "../../relayer/submit/sender";
import { NonceManager } from "../../relayer/submit/nonce";
import { exactIntent } from "../../relayer/submit/intent";
import { ChainConfig } from "../../relayer/config/schema";

const ROOT = path.resolve(__dirname, "../..");
const MNEMONIC = "test test test test test test test test test test test junk"; // PUBLIC Hardhat test mnemonic
const account = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: "silent" });

function memoryJournal(): Journal & { list: SentTx[] } {
  const list: SentTx[] = [];
  return { list, entries: () => list, record: async (t) => void list.push(t) };
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

  const chain = (over: Partial<ChainConfig> = {}): ChainConfig => ({
    name: "hh",
    chainId: 31337,
    rpcUrls: [url],
    oracle: undefined,
    deployments: undefined,
    confirmations: 0,
    fees: { strategy: "eip1559", maxFeePerGasGwei: "1000", maxPriorityFeePerGasGwei: "100", bumpPercent: 12.5, gasLimitMultiplier: 1.2 },
    submitter: { env: "X" },
    replaceAfterMs: 400,
    receiptTimeoutMs: 20_000,
    pollIntervalMs: 50,
    maxBatchSize: 100,
    maxInFlight: 1,
    maxGasPerTx: 2_000_000,
    maxSpendPerHour: "100",
    minBalance: "0",
    ...over,
  });

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

  after(() => {
    rpc?.destroy();
    node?.kill("SIGKILL");
  });

  const mine = () => rpc.current.send("evm_mine", []);
  const senderFor = (w: Wallet | HDNodeWallet, over: Partial<ChainConfig> = {}) => {
    const wallet = new Wallet(w.privateKey);
    return new TxSender(chain(over), rpc, wallet, new NonceManager({ pendingNonce: () => rpc.current.getTransactionCount(wallet.address, "pending") }), log);
  };

  it("replaces a stuck transaction with the same nonce and both fees >= 12.5 % higher, then resumes from the journal", async () => {
    const w = account(15);
    const sender = senderFor(w);
    const journal = memoryJournal();
    const nonceBefore = await rpc.current.getTransactionCount(w.address, "latest");
    const sending = sender.send(exactIntent(account(16).address, "0x1234"), journal);
    // let it sit past replaceAfterMs at least twice, then include whatever is in the mempool
    const deadline = Date.now() + 20_000;
    while (journal.list.length < 3 && Date.now() < deadline) await sleep(100);
    expect(journal.list.length).to.be.at.least(3);
    await mine();
    const { receipt, resumed } = await sending;
    expect(resumed).to.equal(false);
    expect(new Set(journal.list.map((t) => t.nonce))).to.deep.equal(new Set([nonceBefore]));
    for (let i = 1; i < journal.list.length; i++) {
      const [a, b] = [journal.list[i - 1].fees, journal.list[i].fees];
      expect(BigInt(b.maxFeePerGas) * 1000n >= BigInt(a.maxFeePerGas) * 1125n, "maxFeePerGas bumped >= 12.5 %").to.equal(true);
      expect(BigInt(b.maxPriorityFeePerGas) * 1000n >= BigInt(a.maxPriorityFeePerGas) * 1125n, "priority fee bumped >= 12.5 %").to.equal(true);
    }
    expect(journal.list.map((t) => t.hash)).to.include(receipt.hash);
    expect(await rpc.current.getTransactionCount(w.address, "latest")).to.equal(nonceBefore + 1);

    // a retried job (fresh sender and nonce manager, e.g. after a crash) finds the receipt and sends nothing
    const again = await senderFor(w).send(exactIntent(account(16).address, "0x1234"), journal);
    expect(again.resumed).to.equal(true);
    expect(again.receipt.hash).to.equal(receipt.hash);
    expect(await rpc.current.getTransactionCount(w.address, "pending")).to.equal(nonceBefore + 1);
  });

  it("resumes a journaled transaction that is still pending instead of sending a second one", async () => {
    const w = account(17);
    const journal = memoryJournal();
    const first = senderFor(w, { replaceAfterMs: 60_000, receiptTimeoutMs: 800 });
    // the first attempt gives up waiting (bounded receipt wait) while its transaction is pending
    await first.send(exactIntent(account(16).address, "0x"), journal).then(
      () => expect.fail("should time out"),
      (e) => expect((e as Error).message).to.match(/no receipt for nonce \d+ after \d+ ms \(will resume from the journal\)/),
    );
    expect(journal.list).to.have.length(1);
    const retry = senderFor(w, { replaceAfterMs: 60_000 }).send(exactIntent(account(16).address, "0x"), journal);
    await sleep(300);
    await mine();
    const { receipt } = await retry;
    expect(receipt.hash).to.equal(journal.list[0].hash);
    expect(journal.list).to.have.length(1); // nothing new was signed
  });

  it("does not bump above the fee cap; the transaction waits instead", async () => {
    const w = account(18);
    const fee = await rpc.current.getFeeData();
    const capGwei = (Number(fee.maxFeePerGas! / 10n ** 9n) + 1).toString();
    const journal = memoryJournal();
    const sending = senderFor(w, { fees: { strategy: "eip1559", maxFeePerGasGwei: capGwei, maxPriorityFeePerGasGwei: capGwei, bumpPercent: 50, gasLimitMultiplier: 1.2 } }).send(exactIntent(account(16).address, "0x"), journal);
    await sleep(1_500); // several replacement windows
    await mine();
    await sending;
    const cap = BigInt(capGwei) * 10n ** 9n;
    for (const t of journal.list) expect(BigInt(t.fees.maxFeePerGas) <= cap).to.equal(true);
    expect(journal.list.length).to.be.at.most(2);
  });

  it("reports insufficient funds as such", async () => {
    const broke = Wallet.createRandom();
    await senderFor(broke).send(exactIntent(account(16).address, "0x"), memoryJournal()).then(
      () => expect.fail("should fail"),
      (e) => expect(e, (e as Error).message.slice(0, 300)).to.be.instanceOf(InsufficientFundsError),
    );
  });
});
