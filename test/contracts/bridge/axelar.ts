/**
 * Test-only Axelar on the in-process chain: Axelar's own gateway (consensus or Amplifier) and gas service from
 * its npm packages, with a fresh random signer set standing in for Axelar's validators / verifiers. The
 * deployment and the approval signing live in deploy/local-axelar.ts (the deploy stack's local Axelar uses
 * them too); this file binds them to the test network's first account.
 */
import { ethers } from "hardhat";
import { Wallet } from "ethers";
import { deployAxelar, type GatewayKind, type LocalAxelar } from "../../../deploy/local-axelar";

export {
  commandIdOf,
  contractCallOf,
  type AxelarMessage,
  type GatewayKind,
  type LocalAxelar,
} from "../../../deploy/local-axelar";

/** Deploys a gateway (3-of-4 equal-weight random test signers) and a gas service on the current chain. */
export async function deployLocalAxelar(label: string, kind: GatewayKind = "consensus"): Promise<LocalAxelar> {
  const [owner] = await ethers.getSigners();
  const signers = Array.from({ length: 4 }, () => Wallet.createRandom() as unknown as Wallet);
  return deployAxelar(owner, { kind, signers, threshold: 3, label });
}
