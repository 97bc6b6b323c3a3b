// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorInterface} from "./AggregatorInterface.sol";
import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/**
 * @title AggregatorV2V3Interface
 * @notice Chainlink's full feed read interface: the V2 reads ({AggregatorInterface}) and the V3 reads
 * ({AggregatorV3Interface}) of one feed.
 */
// solhint-disable-next-line interface-starts-with-i, no-empty-blocks
interface AggregatorV2V3Interface is AggregatorInterface, AggregatorV3Interface {}
