/**
 * Hostile RPC and hostile journal, transaction side, on a real Hardhat node (automining off, so blocks
 * come only from evm_mine): a receipt that is reorged out before its confirmations, a shutdown while
 * waiting for depth, a journal naming some other successful transaction, the gas cap and the spend
 * budget; and the EVM watcher behind a JSON-RPC proxy that adds a bogus InferenceUpdated log
 * (issue 19, finding 8 and the limits of finding 1).
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import pino from "pino";
import { AbiCoder, ContractFactory, HDNodeWallet, InterfaceAbi, Mnemonic, NonceManager as EthersNonceManager, Wallet, ZeroAddress, getAddress, zeroPadValue, toBeHex } from "ethers";
import { FailoverRpc } from "../../relayer/evm/rpc";
import { LimitError, Journal, SentTx, TxSender } from "../../relayer/submit/sender";
import { NonceManager } from "../../relayer/submit/nonce";
import { exactIntent } from "../../relayer/submit/intent";
import { ChainConfig } from "../../relayer/config/schema";
import { EvmWatcher } from "../../relayer/evm/watcher";
import { INFERENCE_UPDATED_TOPIC, OracleReader } from "../../relayer/evm/oracle";
import { senderTestChain } from "./helpers";

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


describe("hostile RPC and journal: receipts, reorgs, limits, bogus logs (Hardhat node)", function () {
  this.timeout(180_000);
  let node: ChildProcess;
  let rpc: FailoverRpc;
  let url: string;

  const chain = (over: Partial<ChainConfig> = {}): ChainConfig => senderTestChain(url, over);

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
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
  const senderFor = (w: Wallet | HDNodeWallet, over: Partial<ChainConfig> = {}, aborted?: () => boolean, via = rpc, logger = log) => {
    const wallet = new Wallet(w.privateKey);
    return new TxSender(chain(over), via, wallet, new NonceManager({ pendingNonce: () => via.current.getTransactionCount(wallet.address, "pending") }), logger, aborted);
  };
  /**
   * An RPC of the sender's own that counts its `eth_blockNumber` calls: the sender asks for the head only
   * while it waits for a receipt's confirmations, so a count above 0 says that it has seen the receipt.
   */
  const depthWatchingRpc = () => {
    const own = new FailoverRpc("hh", [url], 31337, log);
    const seen = { depthChecks: 0 };
    const send = own.current.send.bind(own.current);
    own.current.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
      if (method === "eth_blockNumber") seen.depthChecks++;
      return send(method, params);
    };
    return { own, seen };
  };
  /** Until the journaled transaction is in the node's mempool (it is journaled before it is broadcast). */
  const inMempool = async (journal: { list: SentTx[] }) => {
    for (;;) {
      const hash = journal.list[journal.list.length - 1]?.hash;
      if (hash && (await rpc.current.getTransaction(hash))) return;
      await sleep(20);
    }
  };
  const until = async (cond: () => boolean) => {
    while (!cond()) await sleep(20);
  };

  it("a receipt reorged out before its confirmations does not count: the job waits and gets a transaction that is on the chain", async () => {
    const w = account(4);
    const journal = memoryJournal();
    const nonceBefore = await rpc.current.getTransactionCount(w.address, "latest");
    const snapshot = await rpc.current.send("evm_snapshot", []);
    const { own, seen } = depthWatchingRpc();
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const sending = senderFor(w, { confirmations: 2 }, undefined, own, logger).send(exactIntent(account(16).address, "0x01"), journal);
    await inMempool(journal);
    await mine(); // included in block B
    await until(() => seen.depthChecks > 0); // the sender saw the receipt and waits for depth
    await rpc.current.send("evm_revert", [snapshot]); // B is gone
    let settled = false;
    void sending.finally(() => (settled = true)).catch(() => undefined);
    // empty blocks: B's number is now 2 deep, but the transaction is not in the chain
    while (!settled) {
      await mine();
      await sleep(150);
    }
    const { receipt } = await sending;
    own.destroy();
    const onChain = await rpc.current.getTransactionReceipt(receipt.hash);
    expect(onChain, "the returned receipt's transaction is in the chain").to.not.equal(null);
    expect(onChain!.blockHash).to.equal(receipt.blockHash);
    expect(await rpc.current.getTransactionCount(w.address, "latest")).to.equal(nonceBefore + 1);
    // it said so, naming the transaction that disappeared
    const reorged = warnings.find((l) => l.msg === "transaction reorged out before reaching its confirmations; waiting for it again");
    expect(reorged).to.deep.include({ chain: "hh", hash: journal.list[0].hash });
    expect(reorged!.block).to.be.a("number");
  });

  it("waiting for confirmations ends on shutdown (the job resumes from the journal)", async () => {
    let aborted = false;
    const journal = memoryJournal();
    const { own, seen } = depthWatchingRpc();
    const sending = senderFor(account(5), { confirmations: 1_000 }, () => aborted, own).send(exactIntent(account(16).address, "0x02"), journal);
    await inMempool(journal);
    await mine();
    await until(() => seen.depthChecks > 0); // waiting for the confirmations
    aborted = true;
    // Without the shutdown check the wait would end only at receiptTimeoutMs, with another message.
    await sending.then(
      () => expect.fail("should not count as done"),
      (e) => expect((e as Error).message).to.match(/shutting down while 0x[0-9a-f]{64} waits for 1000 confirmations \(will resume from the journal\)/),
    );
    own.destroy();
  });

  it("a journal naming another successful transaction does not complete the job: the sender sends its own", async () => {
    const w = account(6);
    // someone else's transaction, mined and successful, to the same target with other calldata
    const other = new Wallet(account(7).privateKey, rpc.current);
    const otherRaw = await other.signTransaction(await other.populateTransaction({ to: account(16).address, data: "0xabcd", gasLimit: 50_000 }));
    const otherTx = await rpc.current.broadcastTransaction(otherRaw);
    await mine();
    expect((await rpc.current.getTransactionReceipt(otherTx.hash))!.status).to.equal(1);
    const journal = memoryJournal();
    journal.list.push({ hash: otherTx.hash, from: w.address, nonce: 0, raw: otherRaw, fees: { type: "2", maxFeePerGas: "1", maxPriorityFeePerGas: "1" }, sentAt: Date.now() });
    const sending = senderFor(w).send(exactIntent(account(16).address, "0x1234"), journal);
    let settled = false;
    void sending.finally(() => (settled = true)).catch(() => undefined);
    while (journal.list.length < 2 && !settled) await sleep(20);
    // The entry is journaled before it is broadcast: keep making blocks until the sender has its receipt
    // (one block right after the journal write could come before the broadcast and leave it unmined).
    while (!settled) {
      await mine();
      await sleep(100);
    }
    const { receipt, resumed } = await sending;
    expect(resumed).to.equal(false);
    expect(receipt.hash).to.not.equal(otherTx.hash);
    expect(getAddress(receipt.from)).to.equal(w.address);
  });

  it("refuses to sign above maxGasPerTx or beyond maxSpendPerHour", async () => {
    const w = account(8);
    const capped = memoryJournal();
    await senderFor(w, { maxGasPerTx: 21_000 }).send(exactIntent(account(16).address, "0x" + "11".repeat(64)), capped).then(
      () => expect.fail("should refuse"),
      (e) => {
        expect(e).to.be.instanceOf(LimitError);
        expect((e as LimitError).limit).to.equal("gas_cap");
        expect((e as Error).message).to.match(/needs \d+ gas, above maxGasPerTx 21000; nothing was signed/);
      },
    );
    expect(capped.list).to.have.length(0);
    const poor = memoryJournal();
    await senderFor(w, { maxSpendPerHour: "0.000000001" }).send(exactIntent(account(16).address, "0x"), poor).then(
      () => expect.fail("should refuse"),
      (e) => {
        expect((e as LimitError).limit).to.equal("spend_budget");
        expect((e as Error).message).to.match(/maxSpendPerHour is 0.000000001; nothing was signed/);
      },
    );
    expect(poor.list).to.have.length(0);
    expect(await rpc.current.getTransactionCount(w.address, "pending")).to.equal(0);
  });

  describe("EVM watcher behind a hostile RPC", () => {
    let proxy: http.Server;
    let proxyUrl: string;
    let oracle: string;
    /** logs the proxy adds to every eth_getLogs answer */
    const extraLogs: Array<Record<string, unknown>> = [];

    before(async () => {
      // a real oracle to read from (automining is off: mine each deployment)
      const read = (n: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts/contracts", `${n}.json`), "utf8")) as { abi: InterfaceAbi; bytecode: string };
      const deployer = new EthersNonceManager(new Wallet(account(0).privateKey, rpc.current));
      const tokenArt = read("token/AlloToken.sol/AlloToken");
      const tokenTx = await new ContractFactory(tokenArt.abi, tokenArt.bytecode, deployer).deploy(account(0).address);
      await mine();
      const art = read("oracle/AlloraOracle.sol/AlloraOracle");
      const o = await new ContractFactory(art.abi, art.bytecode, deployer).deploy(account(0).address, account(0).address, await tokenTx.getAddress(), 1, [account(1).address], 1, ZeroAddress, 0);
      await mine();
      oracle = await o.getAddress();
      proxy = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          void (async () => {
            const upstream = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
            const answer = (await upstream.json()) as { id: unknown; result?: unknown };
            const request = JSON.parse(body) as { method: string };
            if (request.method === "eth_getLogs" && Array.isArray(answer.result)) answer.result.push(...extraLogs);
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify(answer));
          })().catch(() => res.destroy());
        });
      });
      await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    });

    after(() => proxy?.close());

    const updatedLog = (address: string, topicId: number, nonce: bigint, timestamp: number, block: number) => ({
      address,
      topics: [INFERENCE_UPDATED_TOPIC, zeroPadValue(toBeHex(topicId), 32)],
      data: AbiCoder.defaultAbiCoder().encode(["int256", "uint64", "uint64"], [10n ** 18n, nonce, timestamp]),
      blockNumber: toBeHex(block),
      blockHash: "0x" + "ab".repeat(32),
      transactionHash: "0x" + "cd".repeat(32),
      transactionIndex: "0x0",
      logIndex: "0x0",
      removed: false,
    });

    it("a corrupt EVM scan checkpoint in Redis (beyond the head, not a number) is reset and scanning resumes", async () => {
      const redis = new IORedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
      const prefix = `test-hostile-ckpt-${randomBytes(5).toString("hex")}`;
      try {
        for (const bad of ["999999999999", "12abc"]) {
          await redis.set(`${prefix}:evm:hh:scanned`, bad);
          const bogus: string[] = [];
          const watcher = new EvmWatcher(
            { chain: "hh", topics: [1], confirmations: 0, pollIntervalMs: 20, redisPrefix: prefix, hubHeight: () => 1_000, onBogus: (w) => bogus.push(w) },
            rpc,
            new OracleReader(rpc, oracle),
            redis,
            log,
            async () => undefined,
          );
          await mine(); // a block to scan
          const head = await rpc.current.getBlockNumber();
          await watcher.start();
          const deadline = Date.now() + 5_000;
          let saved = await redis.get(`${prefix}:evm:hh:scanned`);
          while (saved !== String(head) && Date.now() < deadline) {
            await sleep(50);
            saved = await redis.get(`${prefix}:evm:hh:scanned`);
          }
          await watcher.stop();
          expect(saved, `checkpoint after starting from "${bad}"`).to.equal(String(head));
          expect(bogus).to.deep.equal(["checkpoint"]);
        }
      } finally {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    });

    it("refuses a bogus huge nonce, a far-future timestamp, another contract's log and a log without topics; refresh corrects the cache from the chain", async () => {
      const redis = new IORedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
      const prefix = `test-hostile-rpc-${randomBytes(5).toString("hex")}`;
      const hostile = new FailoverRpc("hh", [proxyUrl], 31337, log);
      const head = await rpc.current.getBlockNumber();
      const now = Math.floor(Date.now() / 1000);
      extraLogs.push(
        updatedLog(oracle, 1, 1n << 60n, now, head), // nonce far above the hub
        updatedLog(oracle, 2, 5n, now + 86_400, head), // a day in the future
        updatedLog(getAddress("0x" + "ee".repeat(20)), 3, 7n, now, head), // not the oracle
        { ...updatedLog(oracle, 3, 8n, now, head), topics: undefined }, // no topics: not a log at all
      );
      const bogus: string[] = [];
      const watcher = new EvmWatcher(
        { chain: "hh", topics: [1, 2, 3], confirmations: 0, pollIntervalMs: 20, redisPrefix: prefix, hubHeight: () => 1_000, onBogus: (w) => bogus.push(w) },
        hostile,
        new OracleReader(hostile, oracle),
        redis,
        log,
        async () => undefined,
      );
      try {
        await redis.set(`${prefix}:evm:hh:scanned`, String(head - 1));
        await watcher.start();
        const deadline = Date.now() + 5_000;
        // the scan has passed the block the bogus logs claim to be in
        while ((bogus.length < 4 || Number((await redis.get(`${prefix}:evm:hh:scanned`)) ?? 0) < head) && Date.now() < deadline) await sleep(50);
        expect(Number(await redis.get(`${prefix}:evm:hh:scanned`))).to.be.at.least(head);
        expect(watcher.onchain.get(1)?.nonce ?? 0n, "a huge nonce would make every later report look stale").to.equal(0n);
        expect(watcher.onchain.get(2)?.nonce ?? 0n).to.equal(0n);
        expect(watcher.onchain.get(3)?.nonce ?? 0n).to.equal(0n);
        expect([...bogus].sort()).to.deep.equal(["log_address", "log_shape", "nonce", "timestamp"]);
        // a cache that went wrong anyway (say, our own receipt read through a lying node) is reset from the chain
        watcher.onchain.set(1, { value: 1n, nonce: 999n, timestamp: now });
        await watcher.refresh([1]);
        expect(watcher.onchain.get(1)?.nonce).to.equal(0n);
      } finally {
        extraLogs.length = 0;
        await watcher.stop();
        hostile.destroy();
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    });
  });
});
