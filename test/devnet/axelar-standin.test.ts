/**
 * The devnet Axelar stand-in (devnet/axelar/) end to end on real Hardhat chains: two local chains hosted as the
 * devnet hosts them (scripts/devnet/chains-host.ts), deployed as `npm start -- --axelar` deploys them
 * (scripts/devnet/deploy-all.ts with DEVNET_AXELAR=1: Axelar's own gateway and gas service from npm with the
 * DEVNET operator set, the Axelar adapter wired to its peer). ALLO sent with the adapter on one chain is
 * approved and executed on the other by the stand-in; its status, asked through the same AxelarGmp interface
 * as the live SDK module, goes through the stages; nothing is carried twice.
 */
import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { AbiCoder, Contract, JsonRpcProvider, NonceManager, Wallet, type Signer } from "ethers";
import { approveOnLocalGateway, commandIdOf } from "../../deploy/local-axelar";
import { ADAPTER_EXECUTE_GAS } from "../../relayer/transfer/axelar/gmp";
import { deployAllChains, DEVNET_HARDHAT_CONFIG, devnetHardhatEnv } from "../../scripts/devnet/deploy";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { jsonRpc, waitFor } from "../../scripts/lib/json-rpc";
import type { ManifestChain } from "../../scripts/lib/manifest";
import { hardhatRegister, Supervisor } from "../../scripts/lib/supervisor";
import { connectChain, gmpCallsIn } from "../../devnet/axelar/chains";
import { STANDIN_KEY, startAxelarStandin, type AxelarStandin } from "../../devnet/axelar/standin";
import type { StandinChainConfig } from "../../devnet/axelar/chains";

const REPO = path.resolve(__dirname, "../..");
const ONE = 10n ** 18n;
const ADAPTER_ABI = [
  "function send(uint64 destinationChain, address recipient, uint256 amount) payable",
  "function pause()",
  "function unpause()",
  "function netBridgedIn(uint64 chain) view returns (int256)",
  "event AxelarTransferReceived(bytes32 indexed commandId, uint64 indexed sourceChain, address indexed recipient, address sender, uint256 amount)",
];
const TOKEN_ABI = ["function balanceOf(address) view returns (uint256)"];
const GATEWAY_ABI = [
  "function callContract(string destinationChain, string contractAddress, bytes payload)",
  "event ContractCallApproved(bytes32 indexed commandId, string sourceChain, string sourceAddress, address indexed contractAddress, bytes32 indexed payloadHash, bytes32 sourceTxHash, uint256 sourceEventIndex)",
];

/**
 * ALLO for account #5 on a chain of this test, which has no hub and no bridge to bring it: the deployer (the
 * token's admin) registers itself as a bridge and mints. Test only: the devnet's faucet bridges from the hub.
 */
async function adminMint(chain: ManifestChain, amount: bigint): Promise<void> {
  const provider = new JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 50;
  try {
    const admin = new NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(provider));
    const token = new Contract(chain.contracts.token, ["function setBridgeLimits(address, uint256, uint256)", "function crosschainMint(address, uint256)"], admin);
    await (await token.getFunction("setBridgeLimits")(await admin.getAddress(), amount, 0n)).wait();
    await (await token.getFunction("crosschainMint")(hardhatAccount(DEV_ACCOUNT_INDEX.user).address, amount)).wait();
  } finally {
    provider.destroy();
  }
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

interface Side {
  chain: ManifestChain;
  provider: JsonRpcProvider;
  adapter: Contract;
  token: Contract;
}

describe("devnet: the Axelar stand-in on two local chains (npm start -- --axelar)", function () {
  this.timeout(240_000);
  let supervisor: Supervisor;
  let stateDir: string;
  let a: Side; // ethereum, chain id 31337
  let b: Side; // bnb, chain id 31338
  let configs: StandinChainConfig[];
  let alice: Signer; // Hardhat account #5, funded with ALLO on A by the devnet faucet
  let admin: Signer; // the deployer: the adapters' admin
  const bob = Wallet.createRandom().address;
  const standins: AxelarStandin[] = [];
  const standinLog: string[] = [];

  before(async function () {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "allo-axelar-standin-"));
    supervisor = new Supervisor(path.join(stateDir, "logs"));
    const chains = [
      { name: "ethereum", port: await freePort(), chainId: 31337, blockTimeMs: 0 },
      { name: "bnb", port: await freePort(), chainId: 31338, blockTimeMs: 0 },
    ];
    const host = supervisor.start({
      name: "chains",
      command: process.execPath,
      args: ["-r", hardhatRegister(), "scripts/devnet/chains-host.ts"],
      cwd: REPO,
      env: {
        ...devnetHardhatEnv(chains),
        HARDHAT_BLOCK_TIME_MS: "0",
        HARDHAT_CONFIG: DEVNET_HARDHAT_CONFIG,
        DEVNET_CHAINS_JSON: JSON.stringify(chains.map(({ name, port, chainId }) => ({ name, port, chainId }))),
      },
    });
    const deploying = deployAllChains({
      supervisor,
      repoRoot: REPO,
      chains,
      deploymentsDir: path.join(stateDir, "deployments"),
      axelar: true,
    });
    deploying.catch(() => undefined); // awaited below
    await Promise.all(
      chains.map((c) =>
        waitFor(`${c.name} chain`, () => jsonRpc(`http://127.0.0.1:${c.port}`, "eth_chainId", [], 1000), {
          timeoutMs: 120_000,
          isAlive: () => host.exitReason() && `the chains host ${host.exitReason()}:\n${host.tail(20)}`,
        }),
      ),
    );
    const contracts = await deploying;
    const sides = chains.map((c, i): Side => {
      const chain: ManifestChain = {
        name: c.name,
        rpc: `http://127.0.0.1:${c.port}`,
        chainId: c.chainId,
        blockTimeMs: 0,
        contracts: contracts[i],
      };
      // No 250 ms answer cache: the test reads balances right after the stand-in changed them.
      const provider = new JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
      provider.pollingInterval = 50;
      return {
        chain,
        provider,
        adapter: new Contract(contracts[i].axelarAdapter!, ADAPTER_ABI, provider),
        token: new Contract(contracts[i].token, TOKEN_ABI, provider),
      };
    });
    [a, b] = sides;
    await adminMint(a.chain, 1000n * ONE); // 1,000 ALLO to account #5 on A
    alice = new NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.user).connect(a.provider));
    admin = new NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(b.provider));
    configs = sides.map((s) => ({
      name: s.chain.name,
      chainId: s.chain.chainId,
      rpc: s.chain.rpc,
      gateway: s.chain.contracts.axelarGateway!,
      gasService: s.chain.contracts.axelarGasService!,
    }));
  });

  after(async function () {
    for (const s of standins) await s.stop();
    a?.provider.destroy();
    b?.provider.destroy();
    await supervisor?.stopAll();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const standin = async (start = false): Promise<AxelarStandin> => {
    const s = await startAxelarStandin(configs, { start, pollMs: 100, log: (l) => standinLog.push(l) });
    standins.push(s);
    return s;
  };

  /** Alice sends `amount` ALLO from A to bob on B, paying the stand-in's quote; returns the tx hash. */
  const send = async (s: AxelarStandin, amount: bigint): Promise<string> => {
    const { fee } = await s.gmp.quoteFee({ sourceChain: "ethereumLocal", destinationChain: "bnbLocal", gasLimit: ADAPTER_EXECUTE_GAS });
    expect(fee > 0n, `fee ${fee}`).to.equal(true);
    const tx = await a.adapter.connect(alice).getFunction("send")(b.chain.chainId, bob, amount, { value: fee });
    await tx.wait();
    return tx.hash as string;
  };

  const nonces = () =>
    Promise.all([a.provider, b.provider].map((p) => p.getTransactionCount(new Wallet(STANDIN_KEY).address)));

  it("carries a send: approved on B's gateway by the DEVNET operators, executed on B's adapter; ALLO moves; status sent -> executed", async function () {
    const s = await standin();
    const aliceAddress = await alice.getAddress();
    const before = (await a.token.balanceOf(aliceAddress)) as bigint;
    const amount = 12n * ONE;
    const hash = await send(s, amount);
    expect(await a.token.balanceOf(aliceAddress)).to.equal(before - amount); // burned on A

    const sent = await s.gmp.status(hash);
    expect(sent).to.deep.include({ stage: "sent", raw: "source_gateway_called", sourceTxHash: hash });
    expect(sent.messageId).to.match(new RegExp(`^${hash}-\\d+$`));

    await s.pollOnce();
    expect(s.executed).to.deep.equal([sent.messageId]);
    expect(await b.token.balanceOf(bob)).to.equal(amount); // minted on B
    expect(await b.adapter.netBridgedIn(a.chain.chainId)).to.equal(amount);
    expect(await a.adapter.netBridgedIn(b.chain.chainId)).to.equal(-amount);
    const done = await s.gmp.status(hash);
    expect(done).to.deep.include({ stage: "executed", raw: "destination_executed", messageId: sent.messageId });
    expect(done.approvalTxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(done.executionTxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(done.executionTxHash).not.to.equal(done.approvalTxHash);
    const received = await b.adapter.queryFilter(b.adapter.filters.AxelarTransferReceived());
    expect(received).to.have.length(1);
    expect(received[0].transactionHash).to.equal(done.executionTxHash);
    // The measured gas of the execution, against the quote's gas limit.
    const gasUsed = (await b.provider.getTransactionReceipt(done.executionTxHash!))!.gasUsed;
    console.log(`      execute gas used: ${gasUsed} (quoted ${ADAPTER_EXECUTE_GAS})`);
    expect(gasUsed < ADAPTER_EXECUTE_GAS, `gas ${gasUsed}`).to.equal(true);
  });

  it("a message approved but not executed (a stand-in stopped in between) is executed by the next one, not approved again", async function () {
    const s = await standin();
    const amount = 3n * ONE;
    const bobBefore = (await b.token.balanceOf(bob)) as bigint;
    const hash = await send(s, amount);
    const receipt = (await a.provider.getTransactionReceipt(hash))!;
    const sourceView = connectChain(configs[0]);
    const [call] = gmpCallsIn(sourceView, receipt);
    sourceView.provider.destroy();
    // Approve as Axelar's validators would (the previous stand-in's first step), from another account.
    await approveOnLocalGateway(admin, b.chain.contracts.axelarGateway!, [call.message]);
    const approved = await s.gmp.status(hash);
    expect(approved).to.deep.include({ stage: "approved", raw: "destination_gateway_approved" });
    expect(approved.approvalTxHash).to.match(/^0x[0-9a-f]{64}$/);

    const [, nonceB] = await nonces();
    await s.pollOnce();
    expect((await nonces())[1]).to.equal(nonceB + 1); // one transaction: the execute, no second approval
    const gateway = new Contract(b.chain.contracts.axelarGateway!, GATEWAY_ABI, b.provider);
    const approvals = await gateway.queryFilter(gateway.filters.ContractCallApproved(commandIdOf(call.message)));
    expect(approvals).to.have.length(1);
    expect(await b.token.balanceOf(bob)).to.equal(bobBefore + amount);
    expect((await s.gmp.status(hash)).stage).to.equal("executed");
  });

  it("a restarted stand-in rescans from block 0 and carries nothing twice", async function () {
    const s = await standin();
    const bobBefore = (await b.token.balanceOf(bob)) as bigint;
    const before = await nonces();
    await s.pollOnce();
    await s.pollOnce();
    expect(s.executed).to.deep.equal([]);
    expect(await nonces()).to.deep.equal(before); // not one transaction sent
    expect(await b.token.balanceOf(bob)).to.equal(bobBefore);
  });

  it("an execution that reverts (B's adapter paused) is status error with the reason, retried, and executed after the unpause", async function () {
    const s = await standin();
    const amount = 5n * ONE;
    const bobBefore = (await b.token.balanceOf(bob)) as bigint;
    await (await b.adapter.connect(admin).getFunction("pause")()).wait();
    try {
      const hash = await send(s, amount);
      await s.pollOnce();
      const failed = await s.gmp.status(hash);
      expect(failed).to.deep.include({ stage: "error", raw: "error", error: "EnforcedPause()" });
      await s.pollOnce(); // retried, still paused
      expect((await s.gmp.status(hash)).stage).to.equal("error");
      // Said once, not once per poll.
      expect(standinLog.filter((l) => l.includes(`${hash}-`) && l.includes("execute failed"))).to.deep.equal([
        `axelar stand-in: Ethereum -> binance ${failed.messageId}: execute failed (retrying each poll): EnforcedPause()`,
      ]);
      expect(await b.token.balanceOf(bob)).to.equal(bobBefore);
      await (await b.adapter.connect(admin).getFunction("unpause")()).wait();
      await s.pollOnce();
      expect(await s.gmp.status(hash)).to.deep.include({ stage: "executed", raw: "destination_executed" });
      expect(await b.token.balanceOf(bob)).to.equal(bobBefore + amount);
    } finally {
      const paused = await b.provider.call({ to: b.chain.contracts.axelarAdapter, data: "0x5c975abb" }); // paused()
      if (BigInt(paused) !== 0n) await (await b.adapter.connect(admin).getFunction("unpause")()).wait();
    }
  });

  it("a gateway call that paid no gas is insufficient_fee and not carried", async function () {
    const s = await standin();
    const gateway = new Contract(a.chain.contracts.axelarGateway!, GATEWAY_ABI, alice);
    const payload = AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256"], [await alice.getAddress(), bob, ONE]);
    const tx = await gateway.getFunction("callContract")("binance", b.chain.contracts.axelarAdapter, payload);
    await tx.wait();
    const before = await nonces();
    await s.pollOnce();
    expect(await nonces()).to.deep.equal(before);
    const status = await s.gmp.status(tx.hash as string);
    expect(status.stage).to.equal("insufficient_fee");
    expect(status.error).to.match(/no gas was paid/);
  });

  it("unknown transactions are not_found; a transaction without a gateway call says so", async function () {
    const s = await standin();
    const missing = `0x${"ab".repeat(32)}`;
    expect(await s.gmp.status(missing)).to.deep.equal({ stage: "not_found", raw: "cannot_fetch_status", sourceTxHash: missing });
    const tx = await alice.sendTransaction({ to: bob, value: 1n });
    await tx.wait();
    const plain = await s.gmp.status(tx.hash);
    expect(plain.stage).to.equal("not_found");
    expect(plain.error).to.match(/no ContractCall on ethereum's gateway/);
    expect((await rejection(s.gmp.quoteFee({ sourceChain: "ethereum", destinationChain: "bnbLocal", gasLimit: 1n }))).message).to.match(
      /"ethereum" is none of the stand-in's chains: use ethereumLocal, bnbLocal/,
    );
  });

  it("running by itself (as in npm start -- --axelar): a send is executed on B without anyone stepping it", async function () {
    const s = await standin(true);
    const amount = 7n * ONE;
    const bobBefore = (await b.token.balanceOf(bob)) as bigint;
    const t0 = Date.now();
    const hash = await send(s, amount);
    const stages: string[] = [];
    await waitFor(
      "the stand-in to execute the transfer",
      async () => {
        const { stage } = await s.gmp.status(hash);
        if (stages.at(-1) !== stage) stages.push(stage);
        if (stage !== "executed") throw new Error(`stage ${stage}`);
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    console.log(`      delivered ${Date.now() - t0} ms after the send; stages seen: ${stages.join(" -> ")}`);
    // Only forward, through the stages of a healthy transfer (a fast poll may see every one of them).
    const order = ["sent", "approved", "executing", "executed"];
    const ranks = stages.map((st) => order.indexOf(st));
    expect(ranks.every((r) => r >= 0), stages.join(",")).to.equal(true);
    expect(ranks).to.deep.equal([...ranks].sort((x, y) => x - y));
    expect(stages.at(-1)).to.equal("executed");
    expect(await b.token.balanceOf(bob)).to.equal(bobBefore + amount);
  });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

// npm start -- --axelar as a whole (the stand-in inside the network, with the relayer tracking and reconciling
// its transfers, and the user's ALLO bridged by the faucet): test/e2e/axelar-relayer.test.ts.
