/**
 * Where a transaction can be looked at. Public networks have block explorers; the local network has none, so
 * its transactions link to the relayer's own JSON of the transaction (/v1/explorer/tx/<place>/<hash>).
 */

/** Block explorers of the public EVM networks in lib/chains.ts, by EIP-155 chain id. */
const EVM_EXPLORERS: Readonly<Record<number, string>> = {
  1: "https://etherscan.io",
  56: "https://bscscan.com",
  8453: "https://basescan.org",
  11155111: "https://sepolia.etherscan.io",
  97: "https://testnet.bscscan.com",
  84532: "https://sepolia.basescan.org",
};

/** The block explorer of an EVM chain, when it has a public one. */
export function evmExplorer(chainId: number): string | undefined {
  return EVM_EXPLORERS[chainId];
}

/** A link for a transaction at `place` ("hub" or a chain name). */
export function txLink(place: string, txHash: string, chainIdOf: (name: string) => number | undefined): string {
  const chainId = place === "hub" ? undefined : chainIdOf(place);
  const explorer = chainId === undefined ? undefined : evmExplorer(chainId);
  if (explorer) return `${explorer}/tx/${txHash}`;
  return `/v1/explorer/tx/${encodeURIComponent(place)}/${encodeURIComponent(txHash)}`;
}
