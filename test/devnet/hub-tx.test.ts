/**
 * Real Cosmos transactions against the hub devnet, signed and broadcast by @cosmjs clients:
 * MsgSend in sign modes DIRECT and LEGACY_AMINO_JSON, a 2-of-3 legacy multisig (makeMultisignedTx),
 * and the rejections a Cosmos node gives (bad signature, wrong chain id, wrong sequence, low fee,
 * unknown account, unparsable bytes, insufficient funds at delivery).
 */
import { expect } from "chai";
import {
  coins,
  createMultisigThresholdPubkey,
  pubkeyToAddress,
  Secp256k1HdWallet,
  StdFee,
} from "@cosmjs/amino";
import { Bip39, Random } from "@cosmjs/crypto";
import { toBech32, toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  BroadcastTxError,
  GasPrice,
  makeMultisignedTxBytes,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import { Comet38Client, connectComet, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { HubDevnet } from "../../devnet/hub/node";
import { mnemonicOf, startTestNode } from "./helpers";

const PREFIX = "allo";
const DENOM = "uallo";
const FEE: StdFee = { amount: coins(2_000_000, DENOM), gas: "200000" };
const OPTS = { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 150 };

function freshMnemonic(): string {
  return Bip39.encode(Random.getBytes(16)).toString();
}

async function expectBroadcastError(p: Promise<unknown>, code: number, log: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(BroadcastTxError);
    const err = e as BroadcastTxError;
    expect(err.code, err.log).to.equal(code);
    expect(err.codespace).to.equal("sdk");
    expect(err.log).to.match(log);
    return;
  }
  expect.fail(`expected a broadcast error with code ${code}`);
}

describe("hub devnet: transactions (auth, bank, multisig) with real cosmjs clients", function () {
  let node: HubDevnet;
  let client: StargateClient;
  let comet: Comet38Client;
  let aliceWallet: DirectSecp256k1HdWallet;
  let alice: string;
  let alicer: SigningStargateClient;

  before(async () => {
    node = await startTestNode({}, 200);
    client = await StargateClient.connect(node.rpcUrl);
    comet = (await connectComet(node.rpcUrl)) as Comet38Client;
    aliceWallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonicOf("alice"), { prefix: PREFIX });
    alice = (await aliceWallet.getAccounts())[0].address;
    alicer = await SigningStargateClient.connectWithSigner(node.rpcUrl, aliceWallet, OPTS);
  });
  after(async () => {
    alicer?.disconnect();
    client?.disconnect();
    comet?.disconnect();
    await node?.stop();
  });

  it("exposes genesis accounts and uallo balances through the standard queries", async () => {
    expect(await client.getChainId()).to.equal("allora-devnet-1");
    const acc = await client.getAccount(alice);
    expect(acc?.address).to.equal(alice);
    expect(acc?.pubkey).to.equal(null);
    const bal = await client.getBalance(alice, DENOM);
    expect(bal.amount).to.equal("1000000000000000000000000");
    expect(await client.getAccount(toBech32(PREFIX, new Uint8Array(20)))).to.equal(null);
    const all = await client.getAllBalances(alice);
    expect(all).to.deep.equal([{ denom: DENOM, amount: "1000000000000000000000000" }]);
  });

  it("executes a MsgSend signed in DIRECT mode with an auto (simulated) fee; balances and fees move", async () => {
    const to = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    const before = BigInt((await client.getBalance(alice, DENOM)).amount);
    const feeBefore = BigInt((await client.getBalance(node.feeCollector, DENOM)).amount);
    const res = await alicer.sendTokens(alice, to, coins(12345, DENOM), "auto", "hello hub");
    expect(res.code).to.equal(0);
    expect(res.height).to.be.greaterThan(0);
    expect((await client.getBalance(to, DENOM)).amount).to.equal("12345");
    const after = BigInt((await client.getBalance(alice, DENOM)).amount);
    const feePaid = BigInt((await client.getBalance(node.feeCollector, DENOM)).amount) - feeBefore;
    expect(feePaid > 0n).to.equal(true);
    expect(before - after).to.equal(12345n + feePaid);
    // fee >= min gas price * gas wanted
    expect(feePaid >= 10n * res.gasWanted).to.equal(true);
    expect(res.gasUsed <= res.gasWanted).to.equal(true);
    const transfer = res.events.find((e) => e.type === "transfer" && e.attributes.some((a) => a.key === "msg_index"));
    expect(transfer?.attributes).to.deep.include({ key: "recipient", value: to });
    expect(transfer?.attributes).to.deep.include({ key: "amount", value: "12345uallo" });
    // the account now has its public key and sequence 1
    const acc = await client.getAccount(alice);
    expect(acc?.sequence).to.equal(1);
    expect(acc?.pubkey?.type).to.equal("tendermint/PubKeySecp256k1");
    // findable with getTx, tx_search and tx
    const got = await client.getTx(res.transactionHash);
    expect(got?.height).to.equal(res.height);
    const found = await client.searchTx(`message.sender='${alice}' AND transfer.recipient='${to}'`);
    expect(found.map((t) => t.hash)).to.deep.equal([res.transactionHash]);
    const tx = await comet.tx({ hash: Buffer.from(res.transactionHash, "hex") });
    expect(tx.height).to.equal(res.height);
  });

  it("executes a MsgSend signed in LEGACY_AMINO_JSON mode", async () => {
    const bobWallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf("bob"), { prefix: PREFIX });
    const bob = (await bobWallet.getAccounts())[0].address;
    const bobc = await SigningStargateClient.connectWithSigner(node.rpcUrl, bobWallet, OPTS);
    try {
      const res = await bobc.sendTokens(bob, alice, coins(777, DENOM), FEE, "amino & <json>");
      expect(res.code, res.rawLog).to.equal(0);
      const fee = await bobc.sendTokens(bob, alice, coins(1, DENOM), "auto");
      expect(fee.code).to.equal(0);
    } finally {
      bobc.disconnect();
    }
  });

  it("executes a MsgSend from the 2-of-3 multisig bridge escrow (makeMultisignedTx) and rejects 1-of-3", async () => {
    const wallets = await Promise.all(
      ["attester1", "attester2", "attester3"].map((n) => Secp256k1HdWallet.fromMnemonic(mnemonicOf(n), { prefix: PREFIX })),
    );
    const accs = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0]));
    const multisigPubkey = createMultisigThresholdPubkey(
      accs.map((a) => ({ type: "tendermint/PubKeySecp256k1", value: Buffer.from(a.pubkey).toString("base64") })),
      2,
    );
    const escrow = pubkeyToAddress(multisigPubkey, PREFIX);
    expect((await client.getBalance(escrow, DENOM)).amount).to.equal("10000000000000000000000000");

    const recipient = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    const sendFrom = async (signerIdx: number[], amount: number) => {
      const acc = (await client.getAccount(escrow))!;
      const msg = {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: escrow, toAddress: recipient, amount: coins(amount, DENOM) },
      };
      const signerData = { accountNumber: acc.accountNumber, sequence: acc.sequence, chainId: node.chainId };
      let bodyBytes: Uint8Array | undefined;
      const sigs = new Map<string, Uint8Array>();
      for (const i of signerIdx) {
        const offline = await SigningStargateClient.offline(wallets[i]);
        const signed = await offline.sign(accs[i].address, [msg], FEE, "bridge release", signerData);
        bodyBytes = signed.bodyBytes;
        sigs.set(accs[i].address, signed.signatures[0]);
      }
      return makeMultisignedTxBytes(multisigPubkey, acc.sequence, FEE, bodyBytes!, sigs);
    };

    const res = await client.broadcastTx(await sendFrom([0, 2], 5000), 20_000, 150);
    expect(res.code, res.rawLog).to.equal(0);
    expect((await client.getBalance(recipient, DENOM)).amount).to.equal("5000");
    const acc = await client.getAccount(escrow);
    expect(acc?.sequence).to.equal(1);
    expect(acc?.pubkey?.type).to.equal("tendermint/PubKeyMultisigThreshold");

    await expectBroadcastError(client.broadcastTxSync(await sendFrom([1], 5000)), 4, /signature verification failed.*not enough signatures/);
    // the other pair works too, at the next sequence
    const res2 = await client.broadcastTx(await sendFrom([1, 2], 1000), 20_000, 150);
    expect(res2.code, res2.rawLog).to.equal(0);
    expect((await client.getBalance(recipient, DENOM)).amount).to.equal("6000");
  });

  it("accepts several txs of one account in the same block (mempool sequences) and rejects a replayed sequence", async () => {
    const acc = (await client.getAccount(alice))!;
    const to = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: alice, toAddress: to, amount: coins(10, DENOM) } };
    const txs = [];
    for (let i = 0; i < 4; i++) {
      const signed = await alicer.sign(alice, [msg], FEE, `n${i}`, {
        accountNumber: acc.accountNumber,
        sequence: acc.sequence + i,
        chainId: node.chainId,
      });
      txs.push(TxRaw.encode(signed).finish());
    }
    const hashes: string[] = [];
    for (const t of txs) hashes.push(await client.broadcastTxSync(t)); // in sequence order, without waiting for blocks
    const replay = await alicer.sign(alice, [msg], FEE, "replay", { accountNumber: acc.accountNumber, sequence: acc.sequence + 1, chainId: node.chainId });
    await expectBroadcastError(client.broadcastTxSync(TxRaw.encode(replay).finish()), 32, /expected \d+, got \d+/);
    // Broadcast (sync) puts them in the mempool; the next block takes the whole mempool. Wait for blocks, not time.
    await node.waitForHeight(node.height() + 2);
    const found = await Promise.all(hashes.map((h) => client.getTx(h)));
    expect(found.map((t) => t?.code)).to.deep.equal([0, 0, 0, 0]);
    expect((await client.getBalance(to, DENOM)).amount).to.equal("40");
    expect((await client.getAccount(alice))!.sequence).to.equal(acc.sequence + 4);
  });

  it("simulates: gas for a good MsgSend, the failing message's error for a bad one", async () => {
    const msg = (amount: string) => ({
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: alice, toAddress: node.feeCollector, amount: [{ denom: DENOM, amount }] },
    });
    const gas = await alicer.simulate(alice, [msg("1")], "");
    expect(gas).to.be.greaterThan(60_000).and.lessThan(100_000);
    try {
      await alicer.simulate(alice, [msg("1" + "0".repeat(40))], "");
      expect.fail("simulation of an unfunded send succeeded");
    } catch (e) {
      expect(String(e)).to.match(/failed to execute message; message index: 0: spendable balance \d+uallo is smaller than 1\d+uallo: insufficient funds/);
    }
  });

  it("rejects a tampered signature and a wrong chain id with code 4 (unauthorized)", async () => {
    const acc = (await client.getAccount(alice))!;
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: alice, toAddress: alice, amount: coins(1, DENOM) } };
    const signed = await alicer.sign(alice, [msg], FEE, "", { accountNumber: acc.accountNumber, sequence: acc.sequence, chainId: node.chainId });
    const bad = TxRaw.fromPartial({ ...signed, signatures: [Uint8Array.from(signed.signatures[0].map((b, i) => (i === 10 ? b ^ 1 : b)))] });
    await expectBroadcastError(
      client.broadcastTxSync(TxRaw.encode(bad).finish()),
      4,
      new RegExp(`^signature verification failed; please verify account number \\(${acc.accountNumber}\\), sequence \\(${acc.sequence}\\) and chain-id \\(allora-devnet-1\\): unauthorized$`),
    );
    const other = await alicer.sign(alice, [msg], FEE, "", { accountNumber: acc.accountNumber, sequence: acc.sequence, chainId: "allora-testnet-1" });
    await expectBroadcastError(client.broadcastTxSync(TxRaw.encode(other).finish()), 4, /signature verification failed/);
    // nothing changed
    expect((await client.getAccount(alice))!.sequence).to.equal(acc.sequence);
  });

  it("rejects a wrong sequence with code 32 and a low fee with code 13", async () => {
    const acc = (await client.getAccount(alice))!;
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: alice, toAddress: alice, amount: coins(1, DENOM) } };
    const ahead = await alicer.sign(alice, [msg], FEE, "", { accountNumber: acc.accountNumber, sequence: acc.sequence + 5, chainId: node.chainId });
    await expectBroadcastError(
      client.broadcastTxSync(TxRaw.encode(ahead).finish()),
      32,
      new RegExp(`^account sequence mismatch, expected ${acc.sequence}, got ${acc.sequence + 5}: incorrect account sequence$`),
    );
    const cheap = await alicer.sign(alice, [msg], { amount: coins(1000, DENOM), gas: "200000" }, "", {
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      chainId: node.chainId,
    });
    await expectBroadcastError(
      client.broadcastTxSync(TxRaw.encode(cheap).finish()),
      13,
      /^insufficient fees; got: 1000uallo required: 2000000uallo: insufficient fee$/,
    );
  });

  it("rejects unparsable bytes (code 2) and an unknown fee payer (code 9); refuses a duplicate", async () => {
    await expectBroadcastError(client.broadcastTxSync(Uint8Array.from([0xff, 0x01, 0x02])), 2, /tx parse error/);
    const strangerWallet = await DirectSecp256k1HdWallet.fromMnemonic(freshMnemonic(), { prefix: PREFIX });
    const stranger = (await strangerWallet.getAccounts())[0].address;
    const sc = await SigningStargateClient.offline(strangerWallet);
    const msg = { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: stranger, toAddress: alice, amount: coins(1, DENOM) } };
    const signed = await sc.sign(stranger, [msg], FEE, "", { accountNumber: 0, sequence: 0, chainId: node.chainId });
    await expectBroadcastError(client.broadcastTxSync(TxRaw.encode(signed).finish()), 9, /does not exist: unknown address/);

    const acc = (await client.getAccount(alice))!;
    const own = { ...msg, value: { ...msg.value, fromAddress: alice } };
    const ok = await alicer.sign(alice, [own], FEE, "", {
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      chainId: node.chainId,
    });
    const bytes = TxRaw.encode(ok).finish();
    const committed = await comet.broadcastTxCommit({ tx: bytes });
    expect(committed.checkTx.code).to.equal(0);
    expect(committed.txResult?.code).to.equal(0);
    expect(committed.height).to.be.greaterThan(0);
    try {
      await comet.broadcastTxSync({ tx: bytes });
      expect.fail("duplicate accepted");
    } catch (e) {
      expect(String(e)).to.match(/tx already exists in cache/);
    }
  });

  it("includes a tx whose MsgSend lacks funds with code 5: fee charged, sequence used, no transfer", async () => {
    const poorWallet = await DirectSecp256k1HdWallet.fromMnemonic(freshMnemonic(), { prefix: PREFIX });
    const poor = (await poorWallet.getAccounts())[0].address;
    await alicer.sendTokens(alice, poor, coins(3_000_000, DENOM), FEE);
    const pc = await SigningStargateClient.connectWithSigner(node.rpcUrl, poorWallet, OPTS);
    try {
      const res = await pc.sendTokens(poor, alice, coins(10_000_000, DENOM), FEE);
      expect(res.code).to.equal(5);
      expect(res.rawLog).to.match(/failed to execute message; message index: 0: spendable balance 1000000uallo is smaller than 10000000uallo: insufficient funds/);
      expect((await client.getBalance(poor, DENOM)).amount).to.equal("1000000");
      expect((await client.getAccount(poor))!.sequence).to.equal(1);
      const found = await client.searchTx(`tx.height=${res.height}`);
      expect(found.find((t) => t.hash === res.transactionHash)?.code).to.equal(5);
    } finally {
      pc.disconnect();
    }
  });

  it("tx_search honours tx.height bounds (>=, >, <=, <, =): only the heights they allow are searched", async () => {
    const to = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    const first = await alicer.sendTokens(alice, to, coins(1, DENOM), FEE);
    const second = await alicer.sendTokens(alice, to, coins(1, DENOM), FEE);
    expect(second.height).to.be.greaterThan(first.height);
    const hashes = async (q: string) => (await client.searchTx(q)).map((t) => t.hash);
    expect(await hashes(`tx.height>=${second.height}`)).to.include(second.transactionHash).and.not.include(first.transactionHash);
    expect(await hashes(`tx.height<${second.height}`)).to.include(first.transactionHash).and.not.include(second.transactionHash);
    expect(await hashes(`tx.height>${first.height} AND tx.height<=${second.height}`)).to.include(second.transactionHash).and.not.include(first.transactionHash);
    expect(await hashes(`tx.height=${first.height}`)).to.include(first.transactionHash).and.not.include(second.transactionHash);
    expect(await hashes(`tx.height>${second.height} AND tx.height<${first.height}`)).to.deep.equal([]);
  });

  it("pushes Tx events to a websocket subscriber (cosmjs subscribeTx) and block_results carries tx results", async () => {
    const to = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    // Subscribe synchronously after creating the client: @cosmjs/socket 0.36 only flushes requests queued
    // before the socket opens (QueueingStreamingSocket.processQueue leaves isProcessingQueue set when the
    // queue is empty at connect time), so a subscription made after an await would never be sent.
    const ws = Comet38Client.create(new WebsocketClient(node.wsUrl.replace("/websocket", "")));
    try {
      const seen = new Promise<{ hash: Uint8Array; height: number; code: number }>((resolve, reject) => {
        const sub = ws.subscribeTx(`transfer.recipient='${to}'`).subscribe({
          next: (ev) => {
            sub.unsubscribe();
            resolve({ hash: ev.hash, height: ev.height, code: ev.result.code });
          },
          error: reject,
        });
      });
      // the subscription becomes active asynchronously: send, and send again if no event arrives
      const sent: Awaited<ReturnType<SigningStargateClient["sendTokens"]>>[] = [];
      let ev: { hash: Uint8Array; height: number; code: number } | undefined;
      for (let attempt = 0; attempt < 5 && !ev; attempt++) {
        sent.push(await alicer.sendTokens(alice, to, coins(42, DENOM), FEE));
        ev = await Promise.race([seen, new Promise<undefined>((r) => setTimeout(() => r(undefined), 4000))]);
      }
      if (!ev) expect.fail(`no Tx event for ${sent.length} transactions to ${to}`);
      const res = sent.find((r) => r.transactionHash === toHex(ev!.hash).toUpperCase())!;
      expect(toHex(ev.hash).toUpperCase()).to.equal(res.transactionHash);
      expect(ev.height).to.equal(res.height);
      expect(ev.code).to.equal(0);
      const br = await comet.blockResults(res.height);
      expect(br.results.length).to.be.greaterThan(0);
      expect(br.results.every((r) => r.gasUsed > 0n)).to.equal(true);
    } finally {
      ws.disconnect();
    }
  });
});
