/**
 * hardhat.config.ts with the local chains' URLs taken from the environment, so the devnet, the e2e test
 * and the benchmark can run their chains on their own ports and still deploy with
 * `hardhat run scripts/deploy.ts --network <chain>Local`. Everything else is the project config.
 *
 * DEVNET_ETHEREUM_PORT, DEVNET_BNB_PORT, DEVNET_BASE_PORT (defaults 8545, 8546, 8547) and
 * DEVNET_<CHAIN>_CHAIN_ID (defaults 31337, 31338, 31339; the e2e test uses its own so that its
 * deployments never mix with a running `npm start`).
 */
import path from "node:path";
import type { HardhatUserConfig } from "hardhat/types";
import base from "../../hardhat.config";

const port = (name: string, fallback: number): number =>
  Number(process.env[`DEVNET_${name}_PORT`] || fallback);
const chainId = (name: string, fallback: number): number =>
  Number(process.env[`DEVNET_${name}_CHAIN_ID`] || fallback);

const config: HardhatUserConfig = {
  ...base,
  paths: { ...base.paths, root: path.resolve(__dirname, "..", "..") },
  networks: {
    ...base.networks,
    ethereumLocal: { url: `http://127.0.0.1:${port("ETHEREUM", 8545)}`, chainId: chainId("ETHEREUM", 31337) },
    bnbLocal: { url: `http://127.0.0.1:${port("BNB", 8546)}`, chainId: chainId("BNB", 31338) },
    baseLocal: { url: `http://127.0.0.1:${port("BASE", 8547)}`, chainId: chainId("BASE", 31339) },
  },
};

export default config;
