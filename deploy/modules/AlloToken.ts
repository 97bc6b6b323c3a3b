import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * AlloToken. Deploy it with Ignition's `create2` strategy (deploy/stack.ts does): the token's only
 * constructor argument is its initial admin, so with the same salt, build and admin the address is the
 * same on every chain.
 *
 * Parameters: `AlloToken.initialAdmin` (address).
 */
export default buildModule("AlloToken", (m) => {
  const initialAdmin = m.getParameter<string>("initialAdmin");
  const token = m.contract("AlloToken", [initialAdmin]);
  return { token };
});
