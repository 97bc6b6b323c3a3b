/**
 * What the relayer's RPC clients make of bad answers, from a real HTTP server (test/chaos/rpc-proxy.ts) that
 * answers garbage, JSON-RPC errors, oversized bodies or nothing: the EVM side counts garbage and server faults
 * as transport errors (so FailoverRpc moves on), the hub side refuses oversized, non-JSON, non-protobuf and
 * late answers with an error naming the endpoint. Ports 14900-14903.
 */
import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";
import { GetNextTopicIdResponseV10 } from "../../lib/allora-proto";
import { isTransportError } from "../../relayer/evm/rpc";
import { BoundedHttpClient, HubAnswerError, protobufWireProblem } from "../../relayer/hub/http-client";
import { RpcProxy } from "../chaos/rpc-proxy";

describe("relayer: bad RPC answers", function () {
  // No upstream is needed: in these modes the proxy answers by itself.
  const proxy = new RpcProxy(14900, "http://127.0.0.1:1");
  before(() => proxy.start());
  after(() => proxy.stop());

  const evmError = async (): Promise<unknown> => {
    const p = new JsonRpcProvider(proxy.url, Network.from(31337), { staticNetwork: Network.from(31337), batchMaxCount: 1 });
    try {
      await p.getBlockNumber();
      return undefined;
    } catch (e) {
      return e;
    } finally {
      p.destroy();
    }
  };

  it("EVM: a body that is not JSON and a JSON-RPC internal error are transport errors (the next URL is tried)", async function () {
    proxy.setMode("garbage");
    const garbage = await evmError();
    expect(garbage, "garbage fails").to.not.equal(undefined);
    expect(isTransportError(garbage), `garbage: ${(garbage as Error).message}`).to.equal(true);
    proxy.setMode("error");
    const rpcError = await evmError();
    expect(isTransportError(rpcError), `-32603: ${(rpcError as Error).message}`).to.equal(true);
  });

  it("EVM: a revert is not a transport error", function () {
    const revert = Object.assign(new Error("could not coalesce error"), { code: "UNKNOWN_ERROR", error: { code: -32603, message: "execution reverted: Stale()" } });
    expect(isTransportError(revert)).to.equal(false);
    expect(isTransportError(Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" }))).to.equal(false);
  });

  it("hub: oversized, non-JSON and late answers are refused naming the endpoint, counted in a row", async function () {
    const failures: number[] = [];
    const client = new BoundedHttpClient(proxy.url, { timeoutMs: 500, maxResponseBytes: 1024 * 1024 }, (_e, n) => failures.push(n));
    const call = () => client.execute({ jsonrpc: "2.0", id: 1, method: "status", params: {} });
    proxy.oversizedBytes = 4 * 1024 * 1024;
    proxy.setMode("oversized");
    await expectRefused(call(), /more than the 1048576 accepted/);
    proxy.setMode("garbage");
    await expectRefused(call(), /not JSON/);
    proxy.setMode("hang");
    await expectRefused(call(), /no answer to status in 500 ms/);
    proxy.setMode("pass");
    expect(failures).to.deep.equal([1, 2, 3]);
  });

  it("hub: protobuf wire check", function () {
    expect(protobufWireProblem(GetNextTopicIdResponseV10.encode({ nextTopicId: 12345n }).finish())).to.equal(undefined);
    expect(protobufWireProblem(new Uint8Array())).to.equal(undefined);
    expect(protobufWireProblem(Uint8Array.from([0x0f, 0xff]))).to.match(/wire type 7/);
    expect(protobufWireProblem(Uint8Array.from([0x0a, 0x05, 0x01]))).to.match(/runs past the end/);
    expect(protobufWireProblem(Uint8Array.from([0x08, 0xff]))).to.match(/does not end/);
  });
});

async function expectRefused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(HubAnswerError);
    expect((e as Error).message).to.match(pattern);
    expect((e as Error).message).to.contain("hub RPC http://127.0.0.1:14900");
    return;
  }
  throw new Error("expected the answer to be refused");
}
