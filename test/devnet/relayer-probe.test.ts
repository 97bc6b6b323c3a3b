/**
 * The relayer's emissions version probe (relayer/hub/query.ts) against hub devnets answering v10 only,
 * v9 only and both, through a real cosmjs QueryClient.
 */
import { expect } from "chai";
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet } from "@cosmjs/tendermint-rpc";
import { probeEmissionsVersion } from "../../relayer/hub/query";
import { defaultConfig, startTestNode } from "./helpers";

async function probe(versions: ("v9" | "v10")[]) {
  const node = await startTestNode({ topics: [defaultConfig().topics![0]], emissionsQueryVersions: versions }, 200);
  const comet = (await connectComet(node.rpcUrl)) as Comet38Client;
  const logged: [object, string][] = [];
  try {
    const version = await probeEmissionsVersion(QueryClient.withExtensions(comet), { info: (o, m) => logged.push([o, m]) });
    return { version, logged };
  } finally {
    comet.disconnect();
    await node.stop();
  }
}

describe("relayer hub: emissions query version probe (hub devnet)", function () {
  it("finds v10 on a current hub and logs it", async () => {
    const r = await probe(["v10"]);
    expect(r.version).to.equal("v10");
    expect(r.logged).to.deep.equal([[{ emissionsVersion: "v10" }, "hub answers emissions.v10 queries"]]);
  });

  it("falls back to v9 on a hub before the v10 upgrade", async () => {
    expect((await probe(["v9"])).version).to.equal("v9");
  });

  it("prefers v10 when both answer", async () => {
    expect((await probe(["v9", "v10"])).version).to.equal("v10");
  });

  it("passes other errors through instead of guessing a version", async () => {
    const failing = { queryAbci: async () => Promise.reject(new Error("socket hang up")) } as unknown as QueryClient;
    try {
      await probeEmissionsVersion(failing);
      expect.fail("should throw");
    } catch (e) {
      expect((e as Error).message).to.equal("socket hang up");
    }
    const unknown = {
      queryAbci: async () => Promise.reject(new Error("Query failed with (6): unknown query path")),
    } as unknown as QueryClient;
    try {
      await probeEmissionsVersion(unknown);
      expect.fail("should throw");
    } catch (e) {
      expect((e as Error).message).to.match(/answers neither emissions\.v10 nor emissions\.v9.*point hub RPC at an Allora hub node/);
    }
  });
});
