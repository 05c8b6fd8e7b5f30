// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title ChainConfig — chain parameters the committee may change
/// @notice Native system contract at 0x0000000000000000000000000000000000001005.
/// A change decided in block h applies from block h + 1 (gas limit, access rules) or from the next height a node
/// starts (block interval, timeouts).
interface IChainConfig {
    enum AccessMode {
        /// Any account may transact and any node may connect as an observer.
        Open,
        /// Only accounts of active member organisations holding the Transactor role may transact; only member nodes
        /// may connect.
        Permissioned
    }

    struct Parameters {
        uint64 blockGasLimit;
        uint32 blockIntervalMs;
        uint32 timeoutProposeMs;
        AccessMode accessMode;
        /// When true only accounts with the Deployer role may create contracts.
        bool deployRestricted;
    }

    event ParametersChanged(Parameters parameters, address indexed by);

    /// Committee. Limits: gas limit 1,000,000–2^63; interval 10 ms–1 day; propose timeout 100 ms–10 min.
    function setParameters(Parameters calldata parameters) external;

    function getParameters() external view returns (Parameters memory);
}
