/**
 * A local HTTP fake of the Axelar APIs that @axelar-network/axelarjs-sdk 0.17.9 calls, answering in the
 * shapes the SDK's code reads (the file and field each shape comes from are named below). The real APIs
 * cannot be reached from the machine this was built on (no network access), so this is what the SDK module
 * (relayer/transfer/axelar/sdk.ts) is tested against. Requests arrive as `/<Axelar host>/<path>?<query>`
 * (sdk.ts's `apiBaseUrl` rewrite), so the fake can tell the hosts apart. Every request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export const S3_HOST = "axelar-mainnet.s3.us-east-2.amazonaws.com";
export const GMP_HOST = "api.gmp.axelarscan.io";

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

/** One GMP call as the GMP API's `searchGMP` lists it (the fields AxelarRecoveryApi reads). */
export interface FakeGmpRecord {
  /** `<txHash>_<logIndex>` style id; fetchGMPTransaction matches the tx hash inside `id` or `call.transactionHash`. */
  id: string;
  /** parseGMPError reads `call.transaction.hash` and `call.chain` for an insufficient fee. */
  call: {
    transactionHash: string;
    logIndex: number;
    chain: string;
    transaction: { hash: string };
    returnValues: Record<string, string>;
  };
  status: string;
  gas_status?: string;
  gas_paid?: Record<string, unknown>;
  approved?: { transactionHash: string };
  executed?: { transactionHash: string };
  error?: { chain: string; error: { message: string; transactionHash: string } };
  is_insufficient_fee?: boolean;
  time_spent?: Record<string, number>;
}

export interface FakeFees {
  /** `source_base_fee_string`, in source tokens (a decimal string, e.g. "0.0004"). */
  baseFee: string;
  /** `source_token.gas_price`: the destination gas price in source tokens per gas (must contain a "."). */
  sourceGasPrice: string;
  /** `destination_native_token.gas_price`, in destination tokens per gas (must contain a "."). */
  destinationGasPrice: string;
  /** `execute_gas_multiplier`. */
  multiplier: number;
}

export interface AxelarApiFake {
  url: string;
  requests: FakeRequest[];
  /** searchGMP answers, by source tx hash (lower case). */
  gmp: Map<string, FakeGmpRecord>;
  fees: FakeFees;
  /** When set, every request to the GMP API host answers this HTTP status. */
  gmpHttpStatus?: number;
  close(): Promise<void>;
}

export async function startAxelarApiFake(): Promise<AxelarApiFake> {
  const fake: Omit<AxelarApiFake, "url" | "close"> = {
    requests: [],
    gmp: new Map(),
    fees: { baseFee: "0.0004", sourceGasPrice: "0.000000025", destinationGasPrice: "0.000000003", multiplier: 1.1 },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://fake");
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : undefined;
      const request: FakeRequest = { method: req.method ?? "GET", path: u.pathname, query: Object.fromEntries(u.searchParams), body };
      fake.requests.push(request);
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (u.pathname.startsWith(`/${GMP_HOST}/`) && fake.gmpHttpStatus) {
        return answer(fake.gmpHttpStatus, { message: "fake outage" });
      }
      // assets/index.js loadAssets: `Object.values(json)`, entries of AssetConfig (assets/types).
      if (u.pathname === `/${S3_HOST}/mainnet-asset-config.json`) {
        return answer(200, {
          uusdc: {
            id: "uusdc",
            common_key: { mainnet: "uusdc" },
            native_chain: "axelarnet",
            fully_supported: true,
            decimals: 6,
            chain_aliases: { ethereum: { assetSymbol: "USDC", minDepositAmt: 1 } },
            wrapped_erc20: "",
            is_gas_token: false,
          },
        });
      }
      // chains/index.js importS3Config -> utils/validateChain.js: `Object.keys(s3.chains)` are the valid
      // (lower-case) chain names, plus `s3.axelar.axelarId`.
      if (u.pathname === `/${S3_HOST}/configs/mainnet-config-1.x.json`) {
        return answer(200, {
          axelar: { axelarId: "axelarnet" },
          chains: { ethereum: { axelarId: "Ethereum" }, binance: { axelarId: "binance" }, base: { axelarId: "base" } },
        });
      }
      // AxelarQueryAPI.getNativeGasBaseFee: POST `{method: "getFees", ...}` to the GMP API; reads
      // `result.{source_base_fee_string, source_token, ethereum_token, destination_native_token,
      // express_fee_string, express_supported, l2_type, execute_gas_multiplier}`.
      if (u.pathname === `/${GMP_HOST}/` && req.method === "POST" && body?.method === "getFees") {
        const token = (symbol: string, gasPrice: string, usd: number) => ({
          name: symbol,
          symbol,
          decimals: 18,
          gas_price: gasPrice,
          token_price: { usd },
        });
        return answer(200, {
          result: {
            source_base_fee_string: fake.fees.baseFee,
            source_token: token("ETH", fake.fees.sourceGasPrice, 3000),
            ethereum_token: token("ETH", "0.00000002", 3000),
            destination_native_token: token("BNB", fake.fees.destinationGasPrice, 600),
            express_fee_string: "0",
            express_supported: false,
            l2_type: null,
            execute_gas_multiplier: fake.fees.multiplier,
          },
        });
      }
      // AxelarRecoveryApi.fetchGMPTransaction: GET `?method=searchGMP&txHash=…`; execGet returns `json.data`,
      // then `.find()` on it by tx hash.
      if (u.pathname === `/${GMP_HOST}/` && u.searchParams.get("method") === "searchGMP") {
        const record = fake.gmp.get((u.searchParams.get("txHash") ?? "").toLowerCase());
        return answer(200, { data: record ? [record] : [] });
      }
      answer(404, { message: `the fake does not serve ${req.method} ${u.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
