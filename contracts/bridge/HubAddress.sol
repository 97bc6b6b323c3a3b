// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title HubAddress
 * @notice Checks that a string is a well-formed Allora hub account: bech32 (BIP-173) with the human-readable
 * part `allo`, lower case, a 20-byte (account) or 32-byte (module / contract) payload, zero padding bits and a
 * valid checksum. A typo in a recipient is therefore caught before the ALLO is burned.
 * @dev The checksum is BIP-173's BCH code over the expanded prefix and the data characters. The prefix is a
 * constant, so its contribution to the checksum state is precomputed ({_PREFIX_STATE}); the loop then runs
 * once per data character. Cost: about 110 gas per character (see bench/gas/bridge.suite.ts).
 */
library HubAddress {
    /// @notice Why a hub address was rejected.
    enum Problem {
        None,
        Prefix,
        Length,
        Character,
        Padding,
        Checksum
    }

    /// @notice The string is not a valid `allo1…` address; `problem` names the check that failed.
    error InvalidHubAddress(Problem problem);

    /// @dev `allo` followed by the bech32 separator `1`.
    bytes5 private constant _PREFIX = "allo1";
    uint256 private constant _PREFIX_LENGTH = 5;
    /// @dev 20-byte payload: 32 data characters + 6 checksum characters.
    uint256 private constant _ACCOUNT_LENGTH = _PREFIX_LENGTH + 38;
    /// @dev 32-byte payload: 52 data characters + 6 checksum characters.
    uint256 private constant _MODULE_LENGTH = _PREFIX_LENGTH + 58;
    /// @dev Checksum state after the expanded prefix `allo` (BIP-173 `hrp_expand`), starting from 1.
    uint256 private constant _PREFIX_STATE = 0x17745ed6;
    /// @dev 6-bit entries indexed by `c - '0'` for digits and `c - 'a' + 10` for letters: the character's
    /// 5-bit value in the bech32 charset `qpzry9x8gf2tvdw0s3jn54khce6mua7l`, or 32 when it is not in it.
    uint256 private constant _CHARSET_MAP =
        0x000000000008418e31c2d00c00604db7d64a05c825935881d14779a51544a80f;
    /// @dev BIP-173's generator.
    uint256 private constant _GEN0 = 0x3b6a57b2;
    uint256 private constant _GEN1 = 0x26508e6d;
    uint256 private constant _GEN2 = 0x1ea119fa;
    uint256 private constant _GEN3 = 0x3d4233dd;
    uint256 private constant _GEN4 = 0x2a1462b3;
    /// @dev Checksum characters at the end of every address.
    uint256 private constant _CHECKSUM_LENGTH = 6;

    /// @notice Reverts with {InvalidHubAddress} unless `account` is a valid hub address.
    function validate(string calldata account) internal pure {
        Problem problem = check(account);
        if (problem != Problem.None) revert InvalidHubAddress(problem);
    }

    /// @notice The first problem found in `account`, or {Problem.None}.
    function check(string calldata account) internal pure returns (Problem) {
        bytes calldata raw = bytes(account);
        uint256 length = raw.length;
        if (length != _ACCOUNT_LENGTH && length != _MODULE_LENGTH) return Problem.Length;
        if (bytes5(raw[:_PREFIX_LENGTH]) != _PREFIX) return Problem.Prefix;

        uint256 state = _PREFIX_STATE;
        uint256 last; // the last data character before the checksum, for the padding check
        uint256 lastDataIndex = length - _CHECKSUM_LENGTH - 1;
        bool bad;
        assembly ("memory-safe") {
            for {
                let i := _PREFIX_LENGTH
            } lt(i, length) {
                i := add(i, 1)
            } {
                let c := byte(0, calldataload(add(raw.offset, i)))
                // Map the character to its charset index: digits to 0..9, lower-case letters to 10..35.
                let index := 36 // out of range: not a digit or lower-case letter
                if and(gt(c, 47), lt(c, 58)) {
                    index := sub(c, 48)
                }
                if and(gt(c, 96), lt(c, 123)) {
                    index := sub(c, 87)
                }
                let v := and(shr(mul(index, 6), _CHARSET_MAP), 63)
                if or(gt(index, 35), gt(v, 31)) {
                    bad := 1
                    break
                }
                if eq(i, lastDataIndex) {
                    last := v
                }
                // One BIP-173 polymod step.
                let top := shr(25, state)
                state := xor(shl(5, and(state, 0x1ffffff)), v)
                state := xor(state, mul(and(top, 1), _GEN0))
                state := xor(state, mul(and(shr(1, top), 1), _GEN1))
                state := xor(state, mul(and(shr(2, top), 1), _GEN2))
                state := xor(state, mul(and(shr(3, top), 1), _GEN3))
                state := xor(state, mul(and(shr(4, top), 1), _GEN4))
            }
        }
        if (bad) return Problem.Character;
        // A 32-byte payload takes 52 characters (260 bits): the last character's low 4 bits are padding.
        if (length == _MODULE_LENGTH && last & 0x0f != 0) return Problem.Padding;
        if (state != 1) return Problem.Checksum;
        return Problem.None;
    }
}
