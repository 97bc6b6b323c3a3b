// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IAttesterSets
 * @notice An m-of-n set of attesters whose ECDSA signatures over EIP-712 digests carry the authority of
 * a contract (the oracle's reports, the bridge's transfers). Only one set is current at a time; a new
 * set replaces it only with signatures of the current set's threshold, and its id must be higher.
 *
 * Signatures are passed as one `bytes` value: 65-byte `r ‖ s ‖ v` signatures concatenated, ordered by
 * strictly ascending signer address. Ordering makes duplicate detection a single comparison.
 */
interface IAttesterSets {
    /// @notice A set became current.
    event AttesterSetRotated(
        uint64 indexed previousSetId,
        uint64 indexed newSetId,
        address[] signers,
        uint8 threshold
    );

    /// @notice The signatures' length is not a positive multiple of 65.
    error InvalidSignaturesLength(uint256 length);
    /// @notice Fewer valid signatures than the current set's threshold.
    error TooFewSignatures(uint256 given, uint256 threshold);
    /// @notice A signature could not be recovered (bad length, high `s`, or a zero signer).
    error InvalidSignature(uint256 index);
    /// @notice A signature recovered to an address outside the current set.
    error UnknownSigner(address signer);
    /// @notice Two signatures recovered to the same signer.
    error DuplicateSigner(address signer);
    /// @notice Signers are not in strictly ascending address order (sort the signatures by signer address).
    error SignersNotSorted(address previous, address next);
    /// @notice A proposed set is malformed (empty, zero address, duplicate, not sorted, or a bad threshold).
    error InvalidAttesterSet(string reason);
    /// @notice A proposed set id is not above the current one.
    error AttesterSetIdNotIncreasing(uint64 currentSetId, uint64 newSetId);

    /// @notice The id of the current attester set.
    function attesterSetId() external view returns (uint64);

    /// @notice The current attester set.
    /// @return setId The current set's id.
    /// @return signers The signers, in ascending address order.
    /// @return threshold How many distinct signers must sign.
    function attesterSet() external view returns (uint64 setId, address[] memory signers, uint8 threshold);

    /**
     * @notice Replaces the current set. The current set's threshold must sign the EIP-712 message
     * `AttesterSetRotation(uint64 currentSetId,uint64 newSetId,address[] signers,uint8 threshold)`.
     * @param newSetId The new set's id; strictly above the current one.
     * @param signers The new signers, strictly ascending, no zero address, at most 255.
     * @param threshold The new threshold: more than half of the signers, at most all of them.
     * @param signatures The current set's signatures over the rotation message.
     */
    function rotateAttesterSet(
        uint64 newSetId,
        address[] calldata signers,
        uint8 threshold,
        bytes calldata signatures
    ) external;
}
