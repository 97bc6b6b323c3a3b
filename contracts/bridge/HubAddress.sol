// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title HubAddress
 * @notice Checks that a string is a well-formed Allora hub account: bech32 (BIP-173) with the human-readable
 * part `allo`, lower case, a 20-byte (account) or 32-byte (module / contract) payload, zero padding bits and a
 * valid checksum. A typo in a recipient is therefore caught before the ALLO is burned.
 * @dev The checksum is BIP-173's BCH code over the expanded prefix and the data characters. The prefix is a
 * constant, so its contribution to the checksum state is precomputed ({_PREFIX_STATE}); the loop then runs
 * once per data character, with table lookups for the charset and the generator (bench/gas/bridge.suite.ts
 * measures the whole check as `bridge.hubAddress.check`).
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
    /// @dev Character code -> 5-bit bech32 value (charset `qpzry9x8gf2tvdw0s3jn54khce6mua7l`), 0xff when the
    /// character is not in the charset: 128 one-byte entries, codes 0..127 (codes 128..255 map to 0xff).
    uint256 private constant _CHARSET_0 = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _CHARSET_1 = 0xffffffffffffffffffffffffffffffff0fff0a1115141a1e0705ffffffffffff;
    uint256 private constant _CHARSET_2 = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _CHARSET_3 = 0xff1dff180d19090817ff12161f1b13ff010003100b1c0c0e060402ffffffffff;
    /// @dev BIP-173 polymod: for each 5-bit value `b` of the state's top bits, the XOR of the generator terms
    /// selected by `b`'s bits; 32 four-byte big-endian entries.
    uint256 private constant _GEN_0 = 0x000000003b6a57b226508e6d1d3ad9df1ea119fa25cb4e4838f19797039bc025;
    uint256 private constant _GEN_1 = 0x3d4233dd0628646f1b12bdb02078ea0223e32a2718897d9505b3a44a3ed9f3f8;
    uint256 private constant _GEN_2 = 0x2a1462b3117e35010c44ecde372ebb6c34b57b490fdf2cfb12e5f524298fa296;
    uint256 private constant _GEN_3 = 0x1756516e2c3c06dc3106df030a6c88b109f74894329d1f262fa7c6f914cd914b;
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
            // Lookup tables in free memory (not allocated: nothing else runs while they are used).
            let generators := mload(0x40)
            mstore(generators, _GEN_0)
            mstore(add(generators, 0x20), _GEN_1)
            mstore(add(generators, 0x40), _GEN_2)
            mstore(add(generators, 0x60), _GEN_3)
            let charset := add(generators, 0x80)
            mstore(charset, _CHARSET_0)
            mstore(add(charset, 0x20), _CHARSET_1)
            mstore(add(charset, 0x40), _CHARSET_2)
            mstore(add(charset, 0x60), _CHARSET_3)
            let all := not(0)
            mstore(add(charset, 0x80), all)
            mstore(add(charset, 0xa0), all)
            mstore(add(charset, 0xc0), all)
            mstore(add(charset, 0xe0), all)
            mstore(add(charset, 0x100), all)

            let end := add(raw.offset, length)
            // Every character's value is OR-ed into `seen`: an invalid one (0xff) sets bits above the low five,
            // so one check after the loop replaces a branch per character.
            let seen := 0
            for {
                let p := add(raw.offset, _PREFIX_LENGTH)
            } lt(p, end) {
                p := add(p, 1)
            } {
                let v := byte(0, mload(add(charset, byte(0, calldataload(p)))))
                seen := or(seen, v)
                // One polymod step: shift in v, then fold the five bits shifted out back in.
                state := xor(
                    xor(shl(5, and(state, 0x1ffffff)), v),
                    shr(224, mload(add(generators, shl(2, shr(25, state)))))
                )
            }
            bad := gt(seen, 31)
            last := byte(0, mload(add(charset, byte(0, calldataload(add(raw.offset, lastDataIndex))))))
        }
        if (bad) return Problem.Character;
        // A 32-byte payload takes 52 characters (260 bits): the last character's low 4 bits are padding.
        if (length == _MODULE_LENGTH && last & 0x0f != 0) return Problem.Padding;
        if (state != 1) return Problem.Checksum;
        return Problem.None;
    }
}
