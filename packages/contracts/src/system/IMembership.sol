// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Membership — organisations, their nodes and their accounts
/// @notice Native system contract at 0x0000000000000000000000000000000000001001 (a Xinlian precompile, not EVM code).
/// Functions marked "committee" may only be called by the Committee contract, i.e. by a proposal that passed
/// (see ICommittee.propose); "admin" functions by an administrator of an active organisation.
interface IMembership {
    /// What a node does. Validators vote with `power`; observers follow the chain and serve RPC.
    enum NodeRole {
        None,
        Observer,
        Validator
    }

    struct Organisation {
        string id;
        string name;
        address[] admins;
        bool active;
    }

    struct Node {
        /// The node's key: 65-byte uncompressed public key on the chain's curve (P2P identity and, for validators,
        /// consensus key).
        bytes publicKey;
        /// The suite's address of `publicKey`; identifies the node in every other call.
        address nodeAddress;
        string name;
        string organisation;
        NodeRole role;
        uint64 power;
    }

    event OrganisationAdded(string id, string name, address[] admins);
    event OrganisationRemoved(string id);
    event OrganisationAdminsChanged(string id, address[] admins);
    event NodeAdded(address indexed nodeAddress, string name, string organisation, NodeRole role, uint64 power);
    event NodeRemoved(address indexed nodeAddress);
    event NodeRoleChanged(address indexed nodeAddress, NodeRole role, uint64 power);
    event AccountAdded(address indexed account, string organisation, address indexed by);
    event AccountRemoved(address indexed account, string organisation, address indexed by);
    /// The validator set changes at `activationHeight` (a fixed number of blocks after the change was decided).
    event ValidatorSetScheduled(uint64 activationHeight, uint256 validators, uint256 totalPower);

    // --- committee --------------------------------------------------------------------------------------------
    /// `id`: 1–64 characters of a–z, 0–9, '-', '_', '.'. `admins` become accounts of the organisation.
    function addOrganisation(string calldata id, string calldata name, address[] calldata admins) external;
    /// Deactivates the organisation, removes its nodes and unbinds its accounts (they can no longer transact in
    /// permissioned mode).
    function removeOrganisation(string calldata id) external;
    function setOrganisationAdmins(string calldata id, address[] calldata admins) external;
    /// Adds a node of an active organisation. A validator joins the set at the activation height.
    function addNode(
        bytes calldata publicKey,
        string calldata name,
        string calldata organisation,
        NodeRole role,
        uint64 power
    ) external;
    function removeNode(address nodeAddress) external;
    /// Promotes, demotes or re-weights a node (power is ignored for observers and must be > 0 for validators).
    function setNodeRole(address nodeAddress, NodeRole role, uint64 power) external;

    // --- admin of an organisation -----------------------------------------------------------------------------
    /// Binds `account` to the caller's organisation (and lets it transact in permissioned mode). An organisation has at
    /// most 256 accounts, admins included.
    function addAccount(address account) external;
    function removeAccount(address account) external;

    // --- views ------------------------------------------------------------------------------------------------
    function getOrganisation(string calldata id) external view returns (Organisation memory);
    function listOrganisations() external view returns (Organisation[] memory);
    /// "" when the account belongs to no active organisation.
    function organisationOf(address account) external view returns (string memory);
    function getNode(address nodeAddress) external view returns (Node memory);
    function listNodes() external view returns (Node[] memory);
    /// The validators that sign blocks at `height` (the head's next height or earlier ones still recorded), in
    /// set order, which is the index order of commit signatures.
    function validatorsAt(uint64 height) external view returns (Node[] memory);
}
