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
 * Storage is laid out for cheap verification. The current set's signers, sorted, are the runtime code of a
 * small data contract deployed at each rotation (runtime code = a STOP byte, so a call to it does nothing,
 * then the 20-byte addresses back to back). One slot holds that contract's address, the set id, the signer
 * count, the threshold and the child's halt flag. Verifying copies the whole list with one EXTCODECOPY
 * (one cold account access, 2,600 gas, however many signatures) and walks it once alongside the ascending
 * recovered signers: both are sorted, so membership of every signer costs O(n + m) memory reads instead
 * of one cold storage read (2,100 gas) per signature. A retired set needs no clean-up: the slot points to
 * the new list, and nothing else records membership.
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

    /// @dev Outcomes of the verification loop (see {_verifyAttestation}).
    uint256 private constant _OK = 0;
    uint256 private constant _BAD_SIGNATURE = 1;
    uint256 private constant _NOT_ASCENDING = 2;
    uint256 private constant _NOT_A_MEMBER = 3;

    /// @dev Bytes per address in the signer list.
    uint256 private constant _ADDRESS_LENGTH = 20;

    /// @dev Bits to shift a left-aligned 20-byte word down to an address (and back up).
    uint256 private constant _ADDRESS_SHIFT = 96;

    /**
     * @dev Creation code of a signer list, 10 bytes, with the runtime size (2 bytes) still zero:
     * `PUSH2 size, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN` copies everything after these 10 bytes
     * (the runtime code: a STOP byte, then the addresses) to memory and returns it as the new code.
     */
    uint256 private constant _LIST_CREATION_PREFIX = 0x61000080600a5f395ff3;
    /// @dev Position of the runtime size inside {_LIST_CREATION_PREFIX} (bits from its low end).
    uint256 private constant _LIST_SIZE_SHIFT = 56;
    /// @dev Length of {_LIST_CREATION_PREFIX}, and the shift that left-aligns it in a memory word.
    uint256 private constant _LIST_CREATION_PREFIX_LENGTH = 10;
    uint256 private constant _LIST_CREATION_PREFIX_ALIGN = 176;
    /// @dev The runtime code's leading STOP byte: the addresses start at this code offset.
    uint256 private constant _LIST_DATA_OFFSET = 1;

    /**
     * @dev Everything a verification reads, in one slot (160 + 64 + 8 + 8 + 8 bits): the data contract
     * holding the current set's signers, the set id, the signer count, the threshold, and the child's halt
     * flag (see {_isHalted}), so that checking the flag costs no extra cold read either.
     */
    struct CurrentSet {
        address signerList;
        uint64 id;
        uint8 size;
        uint8 threshold;
        bool halted;
    }

    CurrentSet private _current;

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
        CurrentSet memory current = _current;
        uint256 n = current.size;
        signers = new address[](n);
        uint256 packed = _readSignerList(current);
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let member := shr(_ADDRESS_SHIFT, mload(add(packed, mul(i, _ADDRESS_LENGTH))))
                mstore(add(add(signers, 0x20), shl(5, i)), member)
            }
        }
        return (current.id, signers, current.threshold);
    }

    /// @inheritdoc IAttesterSets
    function rotateAttesterSet(
        uint64 newSetId,
        address[] calldata signers,
        uint8 threshold,
        bytes calldata signatures
    ) external {
        CurrentSet memory current = _current;
        if (newSetId <= current.id) revert AttesterSetIdNotIncreasing(current.id, newSetId);
        bytes32 structHash = keccak256(
            abi.encode(
                _ROTATION_TYPEHASH,
                current.id,
                newSetId,
                keccak256(abi.encodePacked(signers)),
                threshold
            )
        );
        _verifyAttestation(current, _hashTypedDataV4(structHash), signatures);
        _install(newSetId, signers, threshold);
    }

    /**
     * @notice Reverts unless `signatures` holds at least the current threshold of valid signatures over
     * `digest` by distinct members of the current set, in ascending signer order.
     * @dev Extra signatures beyond the threshold are verified too (a bad one still reverts), so a
     * submitter cannot pad a batch with garbage.
     */
    function _verifyAttestation(bytes32 digest, bytes calldata signatures) internal view {
        _verifyAttestation(_current, digest, signatures);
    }

    /**
     * @dev {_verifyAttestation} against `current`, a copy of {_currentSet} the caller already holds (a
     * child that reads the set id and the halt flag first saves re-reading the slot).
     *
     * Runs once per report batch or transfer, so the loop is one assembly block: per signature it calls
     * the ecrecover precompile on the calldata words (rejecting high `s`, EIP-2, and anything the precompile
     * cannot recover, e.g. `v` not 27/28: the same rules as OpenZeppelin's ECDSA.tryRecover), checks the
     * ascending order, and advances through the copied signer list to the recovered signer. Both sequences
     * ascend, so the list is walked at most once. The first failure stops the loop and is reported below
     * with its own error.
     */
    function _verifyAttestation(
        CurrentSet memory current,
        bytes32 digest,
        bytes calldata signatures
    ) internal view {
        uint256 length = signatures.length;
        if (length == 0 || length % _SIGNATURE_LENGTH != 0) revert InvalidSignaturesLength(length);
        uint256 count = length / _SIGNATURE_LENGTH;
        if (count < current.threshold) revert TooFewSignatures(count, current.threshold);

        address list = current.signerList;
        uint256 listLength = uint256(current.size) * _ADDRESS_LENGTH;
        uint256 failure = _OK;
        uint256 index;
        address previous;
        address signer;
        assembly ("memory-safe") {
            // Scratch past the free memory pointer (nothing is allocated): the precompile's input, then the list.
            let input := mload(0x40)
            let cursor := add(input, 0x80)
            let listEnd := add(cursor, listLength)
            extcodecopy(list, cursor, _LIST_DATA_OFFSET, listLength)
            mstore(input, digest)
            for {} lt(index, count) {
                index := add(index, 1)
            } {
                let p := add(signatures.offset, mul(index, _SIGNATURE_LENGTH))
                let s := calldataload(add(p, 0x20))
                signer := 0
                if iszero(gt(s, _HALF_CURVE_ORDER)) {
                    mstore(add(input, 0x20), byte(0, calldataload(add(p, 0x40))))
                    mstore(add(input, 0x40), calldataload(p))
                    mstore(add(input, 0x60), s)
                    // The precompile returns nothing for an invalid signature: keep zero.
                    mstore(0x00, 0)
                    pop(staticcall(gas(), _ECRECOVER, input, 0x80, 0x00, 0x20))
                    signer := mload(0x00)
                }
                if iszero(signer) {
                    failure := _BAD_SIGNATURE
                    break
                }
                if iszero(gt(signer, previous)) {
                    failure := _NOT_ASCENDING
                    break
                }
                // Skip the members below `signer`; the reads past listEnd are never used.
                for {} and(lt(cursor, listEnd), lt(shr(_ADDRESS_SHIFT, mload(cursor)), signer)) {} {
                    cursor := add(cursor, _ADDRESS_LENGTH)
                }
                if or(iszero(lt(cursor, listEnd)), iszero(eq(shr(_ADDRESS_SHIFT, mload(cursor)), signer))) {
                    failure := _NOT_A_MEMBER
                    break
                }
                cursor := add(cursor, _ADDRESS_LENGTH)
                previous := signer
            }
        }
        if (failure != _OK) {
            if (failure == _BAD_SIGNATURE) revert InvalidSignature(index);
            if (failure == _NOT_A_MEMBER) revert UnknownSigner(signer);
            if (signer == previous) revert DuplicateSigner(signer);
            revert SignersNotSorted(previous, signer);
        }
    }

    /// @dev The current set (one storage read), for {_verifyAttestation} and the child's own checks.
    function _currentSet() internal view returns (CurrentSet memory) {
        return _current;
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
     * @dev Copies `current`'s signer list into newly allocated memory: `size` addresses of 20 bytes each,
     * back to back. Returns the memory address of the first one.
     */
    function _readSignerList(CurrentSet memory current) private view returns (uint256 packed) {
        address list = current.signerList;
        uint256 bytesLength = uint256(current.size) * _ADDRESS_LENGTH;
        assembly ("memory-safe") {
            packed := mload(0x40)
            // Round up to whole words: the last address's mload reads 12 bytes past the list.
            mstore(0x40, add(packed, and(add(bytesLength, 0x3f), not(0x1f))))
            extcodecopy(list, packed, _LIST_DATA_OFFSET, bytesLength)
        }
    }

    /// @dev Validates a set, deploys its signer list and makes it current (the halt flag survives).
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
            previous = signer;
        }
        CurrentSet storage current = _current;
        uint64 previousId = current.id;
        // One write of the slot; the previous list contract stays behind, unreferenced.
        _current = CurrentSet({
            signerList: _deploySignerList(signers),
            id: setId,
            size: uint8(n),
            threshold: threshold,
            halted: current.halted
        });
        emit AttesterSetRotated(previousId, setId, signers, threshold);
    }

    /**
     * @dev Deploys a contract whose runtime code is a STOP byte followed by `signers` packed (20 bytes
     * each), and returns its address. The STOP makes a call to it a no-op; nothing can change its code.
     */
    function _deploySignerList(address[] memory signers) private returns (address list) {
        assembly ("memory-safe") {
            let n := mload(signers)
            let runtimeSize := add(_LIST_DATA_OFFSET, mul(n, _ADDRESS_LENGTH))
            // Scratch past the free memory pointer (not kept): prefix, STOP (the zero byte after the
            // left-aligned prefix), then each address left-aligned over the previous word's zero tail.
            let code := mload(0x40)
            let prefix := or(_LIST_CREATION_PREFIX, shl(_LIST_SIZE_SHIFT, runtimeSize))
            mstore(code, shl(_LIST_CREATION_PREFIX_ALIGN, prefix))
            let data := add(code, add(_LIST_CREATION_PREFIX_LENGTH, _LIST_DATA_OFFSET))
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let signer := mload(add(add(signers, 0x20), shl(5, i)))
                mstore(add(data, mul(i, _ADDRESS_LENGTH)), shl(_ADDRESS_SHIFT, signer))
            }
            list := create(0, code, add(_LIST_CREATION_PREFIX_LENGTH, runtimeSize))
        }
        // CREATE fails only when the gas left cannot pay for the code (the caller's gas limit is too low).
        if (list == address(0)) revert InvalidAttesterSet("signer list deployment ran out of gas");
    }
}
