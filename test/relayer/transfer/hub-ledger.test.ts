/**
 * The transfer pipeline's hub side against the hub devnet (real CometBFT JSON-RPC, real cosmjs wallets):
 * deposits with good and bad memos are read back with tx_search and sequenced; refunds and releases are
 * signed by the escrow's 2-of-3 members, assembled from verified signatures only, broadcast, and read back
 * as paid, after which a second payment of the same transfer or deposit is refused.
 */
import { expect } from "chai";
import { Secp256k1HdWallet, type StdFee } from "@cosmjs/amino";
import { coins, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { startHubDevnet, type HubDevnet } from "../../../devnet/hub/node";
import { mnemonicOf } from "../../devnet/helpers";
import { assignSequences, type DepositRules } from "../../../relayer/transfer/deposits";
import { depositMemo, refundMemo, releaseMemo } from "../../../relayer/transfer/memo";
import { scanDeposits, scanEscrowSends } from "../../../relayer/transfer/hub-ledger";
import { HubDepositsLedger } from "../../../relayer/transfer/hub-deposits-ledger";
import { cosmosBridgeChainId } from "../../../lib/chains";
import { escrowLedger, refundKey, releaseVerdict } from "../../../relayer/transfer/release";
import {
  assembleEscrowTx,
  NotEnoughEscrowSignaturesError,
  signEscrowSend,
  type EscrowSendPlan,
} from "../../../relayer/transfer/escrow-tx";

const PREFIX = "allo";
const DENOM = "uallo";
const R = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const FEE: StdFee = { amount: coins(3_000_000, DENOM), gas: "300000" };
const RULES: DepositRules = {
  denom: DENOM,
  destinations: [
    { chainId: 31337n, enabled: true, fromHeight: 0n },
    { chainId: 31338n, enabled: true, fromHeight: 0n },
  ],
};

describe("relayer transfer: hub ledger on the hub devnet", function () {
  this.timeout(120_000);
  let hub: HubDevnet;
  let comet: Comet38Client;
  let query: StargateClient;
  let escrow: string;
  let members: Secp256k1HdWallet[];

  before(async () => {
    hub = await startHubDevnet({ port: 0, blockTimeMs: 200, quiet: true });
    comet = await Comet38Client.connect(hub.rpcUrl);
    query = await StargateClient.connect(hub.rpcUrl);
    escrow = hub.accounts.find((a) => a.name === "bridge-escrow")!.address;
    members = await Promise.all(["attester1", "attester2", "attester3"].map((n) => Secp256k1HdWallet.fromMnemonic(mnemonicOf(n), { prefix: PREFIX })));
  });
  after(async () => {
    comet?.disconnect();
    query?.disconnect();
    await hub?.stop();
  });

  async function userClient(name: string) {
    const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf(name), { prefix: PREFIX });
    const [acc] = await wallet.getAccounts();
    const client = await SigningStargateClient.connectWithSigner(hub.rpcUrl, wallet, {
      gasPrice: GasPrice.fromString("10uallo"),
      broadcastPollIntervalMs: 100,
    });
    return { client, address: acc.address };
  }

  async function plan(to: string, amount: bigint, memo: string): Promise<EscrowSendPlan> {
    const acc = (await query.getAccount(escrow))!;
    return {
      chainId: hub.chainId,
      escrow,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      payments: [{ to, coins: [{ denom: DENOM, amount: amount.toString() }] }],
      memo,
      fee: FEE,
    };
  }

  it("reads deposits in hub order and sequences them per destination; refunds the bad ones exactly once", async () => {
    const alice = await userClient("alice");
    const bob = await userClient("bob");
    const from = BigInt(hub.height());
    const sent: { memo: string; amount: bigint; who: typeof alice }[] = [
      { memo: depositMemo(31337, R), amount: 5n * 10n ** 18n, who: alice },
      { memo: depositMemo(31338, R), amount: 10n ** 18n, who: bob },
      { memo: "please bridge to base", amount: 123n, who: alice },
      { memo: depositMemo(31337, R), amount: 7n, who: bob },
      { memo: depositMemo(1, R), amount: 9n, who: alice },
    ];
    const hashes: string[] = [];
    for (const s of sent) {
      const r = await s.who.client.sendTokens(s.who.address, escrow, coins(s.amount.toString(), DENOM), "auto", s.memo);
      expect(r.code, r.rawLog).to.equal(0);
      hashes.push(r.transactionHash);
    }
    const to = BigInt(hub.height());
    const scan = await scanDeposits(comet, escrow, from, to);
    expect(scan.unreadable).to.deep.equal([]);
    expect(scan.deposits.map((d) => d.txHash)).to.deep.equal(hashes);
    expect(scan.deposits[0].sender).to.equal(alice.address);
    const { decided } = assignSequences(scan.deposits, RULES);
    expect(decided.map((d) => (d.kind === "transfer" ? `${d.destinationChain}#${d.sequence}:${d.amount}` : d.reason))).to.deep.equal([
      `31337#1:${5n * 10n ** 18n}`,
      `31338#1:${10n ** 18n}`,
      "malformed_memo",
      "31337#2:7",
      "unknown_destination",
    ]);
    // concurrent syncs (the source loop and an attester's check) are serialised: no deposit twice, none lost
    const shared = new HubDepositsLedger({ escrow, rules: RULES, startHeight: from, indexLagBlocks: 0, maxRange: 1 });
    const [x, y] = await Promise.all([shared.sync(comet, to), shared.sync(comet, to)]);
    expect([...x, ...y].map((d) => d.deposit.txHash)).to.deep.equal(hashes);
    // the same history read in two pieces sequences the same (an attester that restarted agrees)
    const mid = scan.deposits[2].height;
    const a = assignSequences((await scanDeposits(comet, escrow, from, mid)).deposits, RULES);
    const b = assignSequences((await scanDeposits(comet, escrow, mid + 1n, to)).deposits, RULES, a.state);
    expect([...a.decided, ...b.decided]).to.deep.equal(decided);

    // refund the malformed deposit: 2-of-3 members sign one explicit payload at the escrow's sequence
    const bad = decided[2];
    const p = await plan(alice.address, 123n, refundMemo(bad.deposit.txHash, bad.deposit.msgIndex, "malformed_memo"));
    const sig1 = await signEscrowSend(members[0], p);
    const sig3 = await signEscrowSend(members[2], p);
    // one signature is not enough; a signature over another payload (a forged amount) does not verify
    const multisig = hub.accounts.find((x) => x.name === "bridge-escrow")!.multisig!;
    await assembleEscrowTx(multisig, PREFIX, p, [sig1]).then(
      () => expect.fail("assembled with one signature"),
      (e) => expect(e).to.be.instanceOf(NotEnoughEscrowSignaturesError),
    );
    const forged = await signEscrowSend(members[1], { ...p, payments: [{ to: p.payments[0].to, coins: [{ denom: DENOM, amount: "999999" }] }] });
    const stranger = await signEscrowSend(await Secp256k1HdWallet.fromMnemonic(mnemonicOf("bob"), { prefix: PREFIX }), p);
    await assembleEscrowTx(multisig, PREFIX, p, [sig1, forged, stranger, sig1]).then(
      () => expect.fail("assembled with a forged signature"),
      (e: Error) => expect(e.message).to.match(/does not verify.*not a member.*duplicate/),
    );
    const tx = await assembleEscrowTx(multisig, PREFIX, p, [sig3, forged, sig1]);
    expect(tx.signers.length).to.equal(2);
    const before = BigInt((await query.getBalance(alice.address, DENOM)).amount);
    const res = await query.broadcastTx(tx.txBytes, 20_000, 100);
    expect(res.code, res.rawLog).to.equal(0);
    expect(BigInt((await query.getBalance(alice.address, DENOM)).amount) - before).to.equal(123n);

    // read back: the refund is in the ledger, and a second refund cannot be signed
    const sends = await scanEscrowSends(comet, escrow);
    const ledger = escrowLedger(sends, cosmosBridgeChainId(hub.chainId));
    const key = refundKey(bad.deposit.txHash, bad.deposit.msgIndex);
    expect(ledger.refunded.get(key)).to.equal(res.transactionHash);
    const acc = (await query.getAccount(escrow))!;
    expect(
      releaseVerdict({
        kind: "refund",
        key,
        ledger,
        escrowTxs: sends.length,
        committedSequence: BigInt(acc.sequence),
        requestedSequence: BigInt(acc.sequence),
      }),
    ).to.include({ sign: false, why: "already_paid" });
  });

  it("releases an EVM -> hub transfer once; the old-sequence payload cannot land again", async () => {
    const recipient = (await (await Secp256k1HdWallet.generate(12, { prefix: PREFIX })).getAccounts())[0].address;
    const id = "0x" + "5a".repeat(32);
    const p = await plan(recipient, 42n * 10n ** 18n, releaseMemo(id));
    const tx = await assembleEscrowTx(hub.accounts.find((x) => x.name === "bridge-escrow")!.multisig!, PREFIX, p, [
      await signEscrowSend(members[1], p),
      await signEscrowSend(members[2], p),
    ]);
    const res = await query.broadcastTx(tx.txBytes, 20_000, 100);
    expect(res.code, res.rawLog).to.equal(0);
    expect((await query.getBalance(recipient, DENOM)).amount).to.equal((42n * 10n ** 18n).toString());
    // the same signed bytes again: the hub refuses them (sequence used), nothing moves
    await query.broadcastTxSync(tx.txBytes).then(
      () => expect.fail("re-broadcast accepted"),
      (e: Error) => expect(e.message).to.match(/sequence|already exists/),
    );
    const sends = await scanEscrowSends(comet, escrow);
    // every tx the escrow ever signed is found: as many as its account sequence
    expect(sends.length).to.equal((await query.getAccount(escrow))!.sequence);
    const ledger = escrowLedger(sends, cosmosBridgeChainId(hub.chainId));
    expect(ledger.released.get(id)).to.equal(res.transactionHash);
    expect(ledger.paidTwice).to.deep.equal([]);
    expect((await query.getBalance(recipient, DENOM)).amount).to.equal((42n * 10n ** 18n).toString());
  });
});
