/**
 * The scripts' hub reads (scripts/lib/hub.ts: devnet start, status, the e2e suites) against hub devnets
 * answering v10 only (the default, as the current hub) and v9 only: the same values as the query
 * service of that version answers.
 */
import { expect } from "chai";
import { QueryClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import {
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetNetworkInferencesAtBlockResponseV10,
  QueryPaths,
  QueryPathsV10,
  toBytes,
} from "../../lib/allora-proto";
import { hubInferenceAt, latestHubInference } from "../../scripts/lib/hub";
import { defaultConfig, startTestNode } from "./helpers";

describe("scripts/lib/hub: reads a hub answering emissions.v10 or v9", function () {
  this.timeout(60_000);
  for (const versions of [undefined, ["v9"] as const]) {
    it(`${versions ? versions.join("+") : "default (v10)"}: latest and at-block values match the hub's own answer`, async () => {
      const node = await startTestNode({ topics: [defaultConfig().topics![0]], ...(versions ? { emissionsQueryVersions: [...versions] } : {}) }, 200);
      const comet = await Comet38Client.connect(node.rpcUrl);
      try {
        await node.waitForHeight(3);
        const latest = (await latestHubInference(node.rpcUrl, 1))!;
        expect(latest.height > 0n).to.equal(true);
        const req = toBytes(GetNetworkInferencesAtBlockRequest, { topicId: 1n, blockHeightLastInference: latest.height });
        const q = QueryClient.withExtensions(comet);
        const direct = versions
          ? GetNetworkInferencesAtBlockResponse.decode((await q.queryAbci(QueryPaths.GetNetworkInferencesAtBlock, req)).value).networkInferences!.combinedValue
          : GetNetworkInferencesAtBlockResponseV10.decode((await q.queryAbci(QueryPathsV10.GetNetworkInferencesAtBlock, req)).value).networkInferences!.combinedValue[0].value;
        expect(latest.value).to.equal(direct);
        expect(await hubInferenceAt(node.rpcUrl, 1, latest.height)).to.equal(direct);
        expect(await latestHubInference(node.rpcUrl, 99)).to.equal(undefined);
      } finally {
        comet.disconnect();
        await node.stop();
      }
    });
  }
});
