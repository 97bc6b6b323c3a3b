/**
 * Connections to the network's nodes, opened on first use, each checked once: a node that does not answer
 * or answers for another chain id is a CliError that names the URL and the fix.
 */
import { ethers } from "ethers";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { StargateClient } from "@cosmjs/stargate";
import type { TrackInput } from "../relayer/transfer/track";
import { CliError, EXIT, isUnreachable } from "./errors";
import type { NetChain, Network } from "./network";

export class Clients {
  private readonly providers = new Map<string, ethers.JsonRpcProvider>();
  private readonly checked = new Map<string, Promise<void>>();
  private comet?: Promise<Comet38Client>;

  constructor(readonly net: Network) {}

  /** What to say when `url` does not answer. */
  unreachable(what: string, url: string, err: unknown): CliError {
    const fix = this.net.live
      ? `check the RPC URL in ${this.net.name}'s config and your connection`
      : `start the local network with \`npm start\`${this.net.stateDir && this.net.stateDir !== ".devnet" ? ` (DEVNET_STATE_DIR=${this.net.stateDir})` : ""}; the manifest in ${this.net.stateDir} is from a network that has stopped`;
    return new CliError(`${what} at ${url} is not answering (${(err as Error).message?.split("\n")[0] ?? err})`, fix, EXIT.unreachable);
  }

  provider(chain: NetChain): ethers.JsonRpcProvider {
    let p = this.providers.get(chain.name);
    if (!p) {
      p = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
      p.pollingInterval = Math.min(1000, chain.blockSeconds * 500);
      this.providers.set(chain.name, p);
    }
    return p;
  }

  /** The provider, after checking that the node answers with the chain id the network expects. */
  async evm(chain: NetChain): Promise<ethers.JsonRpcProvider> {
    const p = this.provider(chain);
    let check = this.checked.get(chain.name);
    if (!check) {
      check = (async () => {
        let id: string;
        try {
          id = (await p.send("eth_chainId", [])) as string;
        } catch (err) {
          throw this.unreachable(`${chain.name}'s RPC`, chain.rpc, err);
        }
        if (BigInt(id) !== BigInt(chain.chainId)) {
          throw new CliError(
            `wrong network: the RPC for ${chain.name} (${chain.rpc}) serves chain id ${BigInt(id)}, not ${chain.chainId}`,
            this.net.live ? `point ${chain.name}'s RPC URL at the right chain` : "the local network was restarted with other chain ids: restart `npm start`, or pass the --state-dir of the network you mean",
            EXIT.unreachable,
          );
        }
      })();
      this.checked.set(chain.name, check);
    }
    await check;
    return p;
  }

  async hub(): Promise<Comet38Client> {
    if (!this.comet) {
      this.comet = (async () => {
        let c: Comet38Client;
        try {
          c = await Comet38Client.connect(this.net.hub.rpc);
        } catch (err) {
          throw this.unreachable("the hub's RPC", this.net.hub.rpc, err);
        }
        const status = await c.status().catch((err: unknown) => {
          throw this.unreachable("the hub's RPC", this.net.hub.rpc, err);
        });
        if (status.nodeInfo.network !== this.net.hub.chainId) {
          c.disconnect();
          throw new CliError(`wrong network: the hub RPC ${this.net.hub.rpc} serves ${status.nodeInfo.network}, not ${this.net.hub.chainId}`, "point the hub RPC at the right network", EXIT.unreachable);
        }
        return c;
      })();
    }
    return this.comet;
  }

  async hubQuery(): Promise<StargateClient> {
    return StargateClient.create(await this.hub());
  }

  async trackInput(): Promise<TrackInput> {
    const comet = await this.hub();
    const chains = await Promise.all(
      this.net.chains.map(async (c) => ({ name: c.name, chainId: BigInt(c.chainId), provider: await this.evm(c), bridge: c.bridge, startBlock: c.startBlock, confirmations: c.confirmations })),
    );
    return {
      comet,
      hubChain: this.net.hub.bridgeChainId,
      hubPrefix: this.net.hub.prefix,
      escrow: this.net.hub.escrow,
      startHeight: BigInt(this.net.hub.startHeight),
      rules: { denom: this.net.hub.denom, destinations: this.net.chains.map((c) => ({ chainId: BigInt(c.chainId), enabled: true, fromHeight: 0n })) },
      chains,
    };
  }

  async close(): Promise<void> {
    for (const p of this.providers.values()) p.destroy();
    if (this.comet) (await this.comet.catch(() => undefined))?.disconnect();
  }
}

/** Runs `fn`, turning "nothing answers" into the CliError for that node. */
export async function guard<T>(clients: Clients, what: string, url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUnreachable(err)) throw clients.unreachable(what, url, err);
    throw err;
  }
}
