// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title HubAddress
 * @notice Checks that a string is a well-formed Allora hub account: bech32 (BIP-173) with the human-readable
 * part `allo`, lower case, a 20-byte (account) or 32-byte (module / contract) payload, zero padding bits and a
 * valid checksum. A typo in a recipient is therefore caught before the ALLO is burned.
 * @dev The checksum is BIP-173's BCH code over the expanded prefix and the data characters. The prefix is a
 * constant, so its contribution to the checksum state is precomputed ({_PREFIX_STATE}). The polymod is linear
 * over GF(2), which allows two shortcuts: the first characters after the prefix only XOR into a precomputed
 * state ({_ACCOUNT_START}, {_MODULE_START}), and the rest go four at a time, with four table lookups per block
 * instead of one per character ({_FOLD_5_0}). Characters are read 32 per calldata word and decoded through a
 * charset table in memory. bench/gas/bridge.suite.ts measures the whole check as `bridge.hubAddress.check`.
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
    /// @dev Checksum state after the expanded prefix `allo` (BIP-173 `hrp_expand`), starting from 1. The code
    /// reads the two states derived from it below.
    uint256 private constant _PREFIX_STATE = 0x17745ed6;
    /// @dev {_PREFIX_STATE} after six, and after two, polymod steps of value 0. Six steps from a zero state only
    /// shift characters in (nothing reaches the top 5 bits that the generator folds back), so the first six
    /// data characters of an account (38 in all) and the first two of a module account (58) just XOR into these,
    /// packed 5 bits each. What remains, 32 or 56 characters, is a whole number of 8-character loop rounds.
    uint256 private constant _ACCOUNT_START = 0x223ae7ca;
    uint256 private constant _MODULE_START = 0x1dfdd865;
    /// @dev Character code -> 5-bit bech32 value (charset `qpzry9x8gf2tvdw0s3jn54khce6mua7l`), 0xff when the
    /// character is not in the charset: 128 one-byte entries, codes 0..127 (codes 128..255 map to 0xff).
    uint256 private constant _CHARSET_0 = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _CHARSET_1 = 0xffffffffffffffffffffffffffffffff0fff0a1115141a1e0705ffffffffffff;
    uint256 private constant _CHARSET_2 = 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _CHARSET_3 = 0xff1dff180d19090817ff12161f1b13ff010003100b1c0c0e060402ffffffffff;
    /**
     * @dev Four polymod steps at once. The polymod is linear over GF(2), so four steps on the 30-bit state `s`
     * with characters `v0..v3` give: `(s & 0x3ff) << 20` (the low two 5-bit chunks, shifted up without
     * reaching the top), XOR the characters packed in 20 bits (`v0 << 15 | v1 << 10 | v2 << 5 | v3`, which
     * never reach the top either), XOR one term per upper chunk `k` of `s` (bits 5k..5k+4, k = 2..5):
     * `_FOLD_k[chunk]`, the result of four zero steps on `chunk << 5k`. Each table: 32 four-byte big-endian
     * entries in four words (`_FOLD_2` is the generator table of a single step).
     * test/contracts/bridge/HubAddress.test.ts recomputes every table from BIP-173's generator.
     */
    uint256 private constant _FOLD_5_0 = 0x0000000022cb696d1782f6da35499fb72d954cbd0f5e25d03a17ba6718dcd30a;
    uint256 private constant _FOLD_5_1 = 0x0bba3d532971543e1c38cb893ef3a2e4262f71ee04e4188331ad87341366ee59;
    uint256 private constant _FOLD_5_2 = 0x15f0fa8f373b93e202720c5520b965383865b6321aaedf5f2fe740e80d2c2985;
    uint256 private constant _FOLD_5_3 = 0x1e4ac7dc3c81aeb109c831062b03586b33df8b611114e20c245d7dbb069614d6;
    uint256 private constant _FOLD_4_0 = 0x000000000424df3808491f790c6dc0411086bbfb14a264c318cfa4821ceb7bba;
    uint256 private constant _FOLD_4_1 = 0x210d72ff2529adc729446d862d60b2be318bc90435af163c39c2d67d3de60945;
    uint256 private constant _FOLD_4_2 = 0x129ec4f716ba1bcf1ad7db8e1ef304b602187f0c063ca0340a5160750e75bf4d;
    uint256 private constant _FOLD_4_3 = 0x3393b60837b769303bdaa9713ffe764923150df32731d2cb2b5c128a2f78cdb2;
    uint256 private constant _FOLD_3_0 = 0x000000001fd7e9663d3f76cc22e89faa2afaccb8352d25de17c5ba7408125312;
    uint256 private constant _FOLD_3_1 = 0x07e1bd591836543f3adecb95250922f32d1b71e132cc98871024072d0ff3ee4b;
    uint256 private constant _FOLD_3_2 = 0x0d537a9b128493fd306c0c572fbbe53127a9b623387e5f451a96c0ef05412989;
    uint256 private constant _FOLD_3_3 = 0x0ab2c7c215652ea4378db10e285a586820480b7a3f9fe21c1d777db602a094d0;
    uint256 private constant _FOLD_2_0 = 0x000000003b6a57b226508e6d1d3ad9df1ea119fa25cb4e4838f19797039bc025;
    uint256 private constant _FOLD_2_1 = 0x3d4233dd0628646f1b12bdb02078ea0223e32a2718897d9505b3a44a3ed9f3f8;
    uint256 private constant _FOLD_2_2 = 0x2a1462b3117e35010c44ecde372ebb6c34b57b490fdf2cfb12e5f524298fa296;
    uint256 private constant _FOLD_2_3 = 0x1756516e2c3c06dc3106df030a6c88b109f74894329d1f262fa7c6f914cd914b;
    /// @dev `(s & 0x3ff) << 20` on a state kept in bits 224..253: the mask of bits 244..253.
    uint256 private constant _LOW_CHUNKS_UP = 0x3ff << 244;
    /// @dev The tables' bytes in memory (not allocated): the four fold tables, then the charset.
    uint256 private constant _FOLD_TABLE_BYTES = 0x200;

    /// @notice Reverts with {InvalidHubAddress} unless `account` is a valid hub address.
    function validate(string calldata account) internal pure {
        Problem problem = check(account);
        if (problem != Problem.None) revert InvalidHubAddress(problem);
    }

    /// @notice The first problem found in `account`, or {Problem.None}.
    function check(string calldata account) internal pure returns (Problem) {
        uint256 length = bytes(account).length;
        if (length != _ACCOUNT_LENGTH && length != _MODULE_LENGTH) return Problem.Length;
        if (bytes5(bytes(account)[:_PREFIX_LENGTH]) != _PREFIX) return Problem.Prefix;
        bool isModule = length == _MODULE_LENGTH;
        (uint256 state, uint256 seen, uint256 last) = _checksum(account, isModule);
        if (seen > 31) return Problem.Character;
        // A 32-byte payload takes 52 characters (260 bits): the last character's low 4 bits are padding.
        if (isModule && last & 0x0f != 0) return Problem.Padding;
        if (state != 1) return Problem.Checksum;
        return Problem.None;
    }

    /**
     * @dev Runs the checksum over the data characters of an `allo1…` string of a valid length.
     * Long on purpose (two blocks unrolled per loop round, the first characters apart, no helpers): every loop
     * round or call saved is gas saved on each send to the hub.
     * @return state The final polymod state (1 for a valid checksum).
     * @return seen Every character's value OR-ed together: above 31 when one is not in the charset.
     * @return last A module account's last data character (its low 4 bits are padding); 0 for an account.
     */
    // solhint-disable-next-line function-max-lines
    function _checksum(
        string calldata account,
        bool isModule
    ) private pure returns (uint256 state, uint256 seen, uint256 last) {
        assembly ("memory-safe") {
            let p := add(account.offset, _PREFIX_LENGTH)
            let end := add(account.offset, account.length)
            // Lookup tables in free memory (not allocated: nothing else runs while they are used).
            let fold5 := mload(0x40)
            let fold4 := add(fold5, 0x80)
            let fold3 := add(fold5, 0x100)
            let fold2 := add(fold5, 0x180)
            let charset := add(fold5, _FOLD_TABLE_BYTES)
            mstore(fold5, _FOLD_5_0)
            mstore(add(fold5, 0x20), _FOLD_5_1)
            mstore(add(fold5, 0x40), _FOLD_5_2)
            mstore(add(fold5, 0x60), _FOLD_5_3)
            mstore(fold4, _FOLD_4_0)
            mstore(add(fold4, 0x20), _FOLD_4_1)
            mstore(add(fold4, 0x40), _FOLD_4_2)
            mstore(add(fold4, 0x60), _FOLD_4_3)
            mstore(fold3, _FOLD_3_0)
            mstore(add(fold3, 0x20), _FOLD_3_1)
            mstore(add(fold3, 0x40), _FOLD_3_2)
            mstore(add(fold3, 0x60), _FOLD_3_3)
            mstore(fold2, _FOLD_2_0)
            mstore(add(fold2, 0x20), _FOLD_2_1)
            mstore(add(fold2, 0x40), _FOLD_2_2)
            mstore(add(fold2, 0x60), _FOLD_2_3)
            mstore(charset, _CHARSET_0)
            mstore(add(charset, 0x20), _CHARSET_1)
            mstore(add(charset, 0x40), _CHARSET_2)
            mstore(add(charset, 0x60), _CHARSET_3)
            mstore(add(charset, 0x80), not(0))
            mstore(add(charset, 0xa0), not(0))
            mstore(add(charset, 0xc0), not(0))
            mstore(add(charset, 0xe0), not(0))

            // The polymod state lives in bits 224..253 of `s`; the bits below are junk (the rest of each table
            // word loaded) and never read, which saves shifting every four-byte table entry down.
            let s
            let bits
            // One calldata word holds the next 32 characters; `byte(i, w)` is character i of them.
            let w := calldataload(p)
            switch isModule
            case 0 {
                let u0 := byte(0, mload(add(charset, byte(0, w))))
                let u1 := byte(0, mload(add(charset, byte(1, w))))
                let u2 := byte(0, mload(add(charset, byte(2, w))))
                let u3 := byte(0, mload(add(charset, byte(3, w))))
                let u4 := byte(0, mload(add(charset, byte(4, w))))
                let u5 := byte(0, mload(add(charset, byte(5, w))))
                bits := or(or(or(u0, u1), or(u2, u3)), or(u4, u5))
                let packed := or(
                    or(or(shl(25, u0), shl(20, u1)), or(shl(15, u2), shl(10, u3))),
                    or(shl(5, u4), u5)
                )
                s := shl(224, xor(_ACCOUNT_START, packed))
                p := add(p, 6)
            }
            default {
                let u0 := byte(0, mload(add(charset, byte(0, w))))
                let u1 := byte(0, mload(add(charset, byte(1, w))))
                bits := or(u0, u1)
                s := shl(224, xor(_MODULE_START, or(shl(5, u0), u1)))
                p := add(p, 2)
            }
            for {} lt(p, end) {
                p := add(p, 8)
            } {
                // Eight characters: two blocks of four polymod steps (see {_FOLD_5_0}). Chunk k of the state sits
                // at bits 224 + 5k of `s`, so `and(shr(222 + 5k, s), 0x7c)` is the chunk times four: the byte
                // offset of its entry in `_FOLD_k`, whose word then holds the entry in bits 224..255.
                w := calldataload(p)
                {
                    let v0 := byte(0, mload(add(charset, byte(0, w))))
                    let v1 := byte(0, mload(add(charset, byte(1, w))))
                    let v2 := byte(0, mload(add(charset, byte(2, w))))
                    let v3 := byte(0, mload(add(charset, byte(3, w))))
                    bits := or(bits, or(or(v0, v1), or(v2, v3)))
                    s := xor(
                        xor(
                            and(shl(20, s), _LOW_CHUNKS_UP),
                            shl(224, or(or(shl(15, v0), shl(10, v1)), or(shl(5, v2), v3)))
                        ),
                        xor(
                            xor(
                                mload(add(fold5, and(shr(247, s), 0x7c))),
                                mload(add(fold4, and(shr(242, s), 0x7c)))
                            ),
                            xor(
                                mload(add(fold3, and(shr(237, s), 0x7c))),
                                mload(add(fold2, and(shr(232, s), 0x7c)))
                            )
                        )
                    )
                }
                {
                    let v0 := byte(0, mload(add(charset, byte(4, w))))
                    let v1 := byte(0, mload(add(charset, byte(5, w))))
                    let v2 := byte(0, mload(add(charset, byte(6, w))))
                    let v3 := byte(0, mload(add(charset, byte(7, w))))
                    bits := or(bits, or(or(v0, v1), or(v2, v3)))
                    s := xor(
                        xor(
                            and(shl(20, s), _LOW_CHUNKS_UP),
                            shl(224, or(or(shl(15, v0), shl(10, v1)), or(shl(5, v2), v3)))
                        ),
                        xor(
                            xor(
                                mload(add(fold5, and(shr(247, s), 0x7c))),
                                mload(add(fold4, and(shr(242, s), 0x7c)))
                            ),
                            xor(
                                mload(add(fold3, and(shr(237, s), 0x7c))),
                                mload(add(fold2, and(shr(232, s), 0x7c)))
                            )
                        )
                    )
                }
            }
            state := shr(224, s)
            seen := bits
            // The last data character comes before the six checksum characters.
            if isModule {
                last := byte(0, mload(add(charset, byte(0, calldataload(sub(end, 7))))))
            }
        }
    }
}
