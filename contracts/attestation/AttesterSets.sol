// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAttesterSets} from "../interfaces/IAttesterSets.sol";

/**
 * @title AttesterSets
 * @notice m-of-n signature verification over EIP-712 digests, shared by the oracle and the bridge.
 * @dev The child contract supplies the EIP-712 domain (name, version) through {EIP712}'s constructor, so
 * a digest binds chain id and verifying contract. Each message the child signs must include the current
 * set id, so that a retired set's signatures are worthless.
 *
 * Storage is laid out for cheap verification: the current set's id and threshold share one slot, and
 * each signer maps to the id of the set it belongs to (one cold read per signature). A signer is a
 * member of the current set exactly when its recorded set id equals the current id; a retired set's
 * members keep their old id and fail that check, and set ids start at 1 so the zero default never
 * matches.
 */
abstract contract AttesterSets is EIP712, IAttesterSets {
    /// @dev The EIP-712 type of a rotation message.
    bytes32 private constant _ROTATION_TYPEHASH = keccak256(
        "AttesterSetRotation(uint64 currentSetId,uint64 newSetId,address[] signers,uint8 threshold)"
    );

    /// @dev Length of one `r ‖ s ‖ v` signature.
    uint256 private constant _SIGNATURE_LENGTH = 65;

    /// @dev Half the secp256k1 curve order: the largest `s` of a non-malleable signature (EIP-2).
    uint256 private constant _HALF_CURVE_ORDER =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev The ecrecover precompile.
    uint256 private constant _ECRECOVER = 0x01;

    /// @dev The current set's id and threshold, packed in one slot with the child's halt flag (see
    /// {_isHalted}): every verification reads this slot, so checking the flag costs no extra cold read.
    struct CurrentSet {
        uint64 id;
        uint8 threshold;
        bool halted;
    }

    CurrentSet private _current;
    address[] private _signers;
    mapping(address signer => uint64 setId) private _signerSetId;

    /**
     * @param setId The initial set's id (at least 1).
     * @param signers The initial signers, strictly ascending.
     * @param threshold The initial threshold (more than half of the signers).
     */
    constructor(uint64 setId, address[] memory signers, uint8 threshold) {
        if (setId == 0) revert AttesterSetIdNotIncreasing(0, 0);
        _install(setId, signers, threshold);
    }

    /// @inheritdoc IAttesterSets
    function attesterSetId() public view returns (uint64) {
        return _current.id;
    }

    /// @inheritdoc IAttesterSets
    function attesterSet() external view returns (uint64 setId, address[] memory signers, uint8 threshold) {
        return (_current.id, _signers, _current.threshold);
    }

    /// @inheritdoc IAttesterSets
    function rotateAttesterSet(
        uint64 newSetId,
        address[] calldata signers,
        uint8 threshold,
        bytes calldata signatures
    ) external {
        uint64 currentId = _current.id;
        if (newSetId <= currentId) revert AttesterSetIdNotIncreasing(currentId, newSetId);
        bytes32 structHash = keccak256(
            abi.encode(
                _ROTATION_TYPEHASH,
                currentId,
                newSetId,
                keccak256(abi.encodePacked(signers)),
                threshold
            )
        );
        _verifyAttestation(_hashTypedDataV4(structHash), signatures);
        _install(newSetId, signers, threshold);
    }

    /**
     * @notice Reverts unless `signatures` holds at least the current threshold of valid signatures over
     * `digest` by distinct members of the current set, in ascending signer order.
     * @dev Extra signatures beyond the threshold are verified too (a bad one still reverts), so a
     * submitter cannot pad a batch with garbage.
     */
    function _verifyAttestation(bytes32 digest, bytes calldata signatures) internal view {
        uint256 length = signatures.length;
        if (length == 0 || length % _SIGNATURE_LENGTH != 0) revert InvalidSignaturesLength(length);
        uint256 count = length / _SIGNATURE_LENGTH;
        CurrentSet memory current = _current;
        if (count < current.threshold) revert TooFewSignatures(count, current.threshold);

        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            address signer = _recover(digest, signatures, i);
            if (signer <= previous) {
                if (signer == previous) revert DuplicateSigner(signer);
                revert SignersNotSorted(previous, signer);
            }
            if (_signerSetId[signer] != current.id) revert UnknownSigner(signer);
            previous = signer;
        }
    }

    /**
     * @dev A flag the child contract may use as its pause switch. It lives in the slot every verification
     * reads anyway, so `if (_isHalted())` before {_verifyAttestation} costs a warm read instead of a cold
     * one (2,100 gas on every report batch). AttesterSets itself never reads it: verification and rotation
     * work whatever its value (rotating out a compromised set must stay possible while paused).
     */
    function _isHalted() internal view returns (bool) {
        return _current.halted;
    }

    /// @dev Sets the flag read by {_isHalted}; the child emits its own event.
    function _setHalted(bool halted) internal {
        _current.halted = halted;
    }

    /**
     * @dev Recovers the `index`-th signature; rejects high-s (malleable), invalid `v` and unrecoverable
     * signatures, the same rules as OpenZeppelin's ECDSA.tryRecover, with the ecrecover precompile called
     * directly on the calldata words (this runs once per signature on every report batch).
     */
    function _recover(
        bytes32 digest,
        bytes calldata signatures,
        uint256 index
    ) private view returns (address signer) {
        // In bounds: the caller checked signatures.length == count * 65 and index < count.
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(index, _SIGNATURE_LENGTH))
            let s := calldataload(add(p, 0x20))
            // s must be in the lower half of the curve order (EIP-2); otherwise leave signer zero.
            if iszero(gt(s, _HALF_CURVE_ORDER)) {
                let buffer := mload(0x40)
                mstore(buffer, digest)
                mstore(add(buffer, 0x20), byte(0, calldataload(add(p, 0x40))))
                mstore(add(buffer, 0x40), calldataload(p))
                mstore(add(buffer, 0x60), s)
                // The precompile returns nothing for an invalid signature (e.g. v not 27/28): keep zero.
                mstore(0x00, 0)
                pop(staticcall(gas(), _ECRECOVER, buffer, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
        }
        if (signer == address(0)) revert InvalidSignature(index);
    }

    /// @dev Validates and installs a set; the previous members' records keep their old id (retired).
    function _install(uint64 setId, address[] memory signers, uint8 threshold) private {
        uint256 n = signers.length;
        if (n == 0 || n > type(uint8).max) revert InvalidAttesterSet("signer count must be 1..255");
        // A threshold of more than half keeps two disjoint halves from both attesting.
        if (threshold == 0 || threshold > n || uint256(threshold) * 2 <= n) {
            revert InvalidAttesterSet("threshold must be more than half of the signers and at most all");
        }
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address signer = signers[i];
            if (signer <= previous)
                revert InvalidAttesterSet("signers must be non-zero and strictly ascending");
            _signerSetId[signer] = setId;
            previous = signer;
        }
        uint64 previousId = _current.id;
        // Field by field: the halt flag survives a rotation.
        _current.id = setId;
        _current.threshold = threshold;
        _signers = signers;
        emit AttesterSetRotated(previousId, setId, signers, threshold);
    }
}
