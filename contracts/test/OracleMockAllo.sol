// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title OracleMockAllo
/// @notice A plain ERC-20 with ERC-2612 permit and free minting, for tests that need tokens other than ALLO
/// (the example lending market's collateral and debt); the oracle's own tests use the real AlloToken.
contract OracleMockAllo is ERC20, ERC20Permit {
    constructor() ERC20("Mock ALLO", "ALLO") ERC20Permit("Mock ALLO") {}

    /// @notice Mints freely (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
