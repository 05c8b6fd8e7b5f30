// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Supervision — freezing accounts and contracts
/// @notice Native system contract at 0x0000000000000000000000000000000000001004.
/// A frozen account cannot send transactions; a call to a frozen contract fails with the reason
/// "Xinlian: contract 0x… is frozen". The committee freezes and unfreezes through proposals. Where genesis allows it,
/// a regulator freezes at once: that opens a proposal to confirm the freeze, and if the committee rejects it or lets
/// it expire the freeze ends by itself.
interface ISupervision {
    struct FreezeRecord {
        bool frozen;
        /// True once the committee froze it or confirmed a regulator's freeze.
        bool confirmed;
        address by;
        uint64 sinceBlock;
        string reason;
        /// The proposal that reviews a regulator's freeze; 0 when the committee froze it.
        uint256 reviewProposal;
    }

    event Frozen(address indexed target, address indexed by, string reason, uint256 reviewProposal);
    event FreezeConfirmed(address indexed target);
    event Unfrozen(address indexed target, address indexed by);

    /// The committee (through a proposal), or a regulator where genesis allows regulators to freeze. A regulator may
    /// not freeze committee members or regulators, nor — for one proposal lifetime — a target whose freeze the committee
    /// just reversed.
    function freeze(address target, string calldata reason) external;
    /// The committee (through a proposal), or the regulator who froze it while the freeze is unconfirmed.
    function unfreeze(address target) external;
    /// Committee: the target of the review proposal a regulator's freeze opens.
    function confirmFreeze(address target) external;

    function isFrozen(address target) external view returns (bool);
    function getFreeze(address target) external view returns (FreezeRecord memory);
    /// Every currently frozen account and contract.
    function listFrozen() external view returns (address[] memory);
    /// Whether genesis lets regulators freeze without the committee.
    function regulatorMayFreeze() external view returns (bool);
}
