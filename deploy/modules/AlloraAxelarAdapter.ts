import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The Axelar GMP adapter of one EVM chain, the contract alone. The deploy stack (deploy/stack.ts) deploys it
 * with Ignition's `create2` strategy through CreateX, so the same constructor arguments and salt give the same
 * address on every chain, and then wires it itself, comparing on-chain state with the parameters (each remote
 * adapter with `setRemote`, the adapter's limits on the token with `setBridgeLimits`). The wiring stays out of
 * this module so that a changed remote or limit is a wiring call, not a changed Ignition future that the
 * journal refuses to reconcile.
 *
 * Parameters (module id `AlloraAxelarAdapter`): `gateway`, `gasService` (Axelar's contracts on this chain),
 * `token`, `admin`, `guardian` (addresses).
 */
export default buildModule("AlloraAxelarAdapter", (m) => {
  const adapter = m.contract("AlloraAxelarAdapter", [
    m.getParameter<string>("gateway"),
    m.getParameter<string>("gasService"),
    m.getParameter<string>("token"),
    m.getParameter<string>("admin"),
    m.getParameter<string>("guardian"),
  ]);
  return { adapter };
});
