// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {AttesterSets} from "../attestation/AttesterSets.sol";

/// @title OracleAttesterSetsHarness
/// @notice Exposes AttesterSets' internal verification for its tests.
contract OracleAttesterSetsHarness is AttesterSets {
    constructor(
        uint64 setId,
        address[] memory signers,
        uint8 threshold
    ) EIP712("AttesterSetsHarness", "1") AttesterSets(setId, signers, threshold) {}

    /// @notice Reverts unless `signatures` attest `digest` under the current set.
    function verify(bytes32 digest, bytes calldata signatures) external view returns (bool) {
        _verifyAttestation(digest, signatures);
        return true;
    }

    /// @notice The packed current set, as a child contract reads it.
    function currentSet() external view returns (CurrentSet memory) {
        return _currentSet();
    }

    /// @notice The child's halt flag kept in the current-set slot.
    function halted() external view returns (bool) {
        return _isHalted();
    }

    /// @notice Sets the halt flag (unguarded: a test harness).
    function setHalted(bool halted_) external {
        _setHalted(halted_);
    }
}
