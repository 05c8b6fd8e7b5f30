// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Committee — proposals and weighted votes that govern the chain
/// @notice Native system contract at 0x0000000000000000000000000000000000001003.
/// A proposal is a call to a committee function of a system contract (`target`, ABI-encoded `data`). It passes as
/// soon as the weight that voted reaches `participationBps` of the committee's total weight and the approving weight
/// reaches `approvalBps` of the weight that voted; it then executes in the same transaction as the deciding vote. It is
/// rejected as soon as it can no longer pass, and expires `proposalLifetime` blocks after its creation.
interface ICommittee {
    enum ProposalStatus {
        Pending,
        Executed,
        Rejected,
        Expired,
        /// Passed, but its call reverted (the reason is in ProposalFailed); nothing of it was applied.
        Failed
    }

    struct Member {
        address account;
        uint64 weight;
    }

    struct Proposal {
        uint256 id;
        address proposer;
        address target;
        bytes data;
        string description;
        uint64 createdAt;
        uint64 expiresAt;
        ProposalStatus status;
        uint64 approveWeight;
        uint64 rejectWeight;
        uint64 voters;
    }

    event ProposalCreated(
        uint256 indexed id, address indexed proposer, address target, bytes data, string description, uint64 expiresAt
    );
    event VoteCast(uint256 indexed id, address indexed voter, bool approve, uint64 weight);
    event ProposalExecuted(uint256 indexed id);
    event ProposalRejected(uint256 indexed id);
    event ProposalFailed(uint256 indexed id, string reason);
    event MemberAdded(address indexed account, uint64 weight);
    event MemberRemoved(address indexed account);
    event MemberWeightChanged(address indexed account, uint64 weight);
    event ThresholdsChanged(uint16 participationBps, uint16 approvalBps, uint64 proposalLifetime);

    // --- committee members ------------------------------------------------------------------------------------
    /// `target` must be a Xinlian system contract and `data` a call to one of its committee functions.
    function propose(address target, bytes calldata data, string calldata description) external returns (uint256 id);
    /// One vote per member per proposal; only while it is pending and not expired.
    function vote(uint256 id, bool approve) external;

    // --- committee (through proposals) ------------------------------------------------------------------------
    /// Weights are 1 – 2^32 − 1, and the committee's total weight stays below 2^32.
    function addMember(address account, uint64 weight) external;
    function removeMember(address account) external;
    function setMemberWeight(address account, uint64 weight) external;
    /// Fractions in basis points (1–10000); lifetime in blocks (1 – 2^32 − 1).
    function setThresholds(uint16 participationBps, uint16 approvalBps, uint64 proposalLifetime) external;

    // --- views ------------------------------------------------------------------------------------------------
    function listMembers() external view returns (Member[] memory);
    function weightOf(address account) external view returns (uint64);
    function thresholds() external view returns (uint16 participationBps, uint16 approvalBps, uint64 proposalLifetime);
    function proposalCount() external view returns (uint256);
    /// Status is reported as Expired for a pending proposal past its expiry.
    function getProposal(uint256 id) external view returns (Proposal memory);
    function getVote(uint256 id, address voter) external view returns (bool voted, bool approve);
}
