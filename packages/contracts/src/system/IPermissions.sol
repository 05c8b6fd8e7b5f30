// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Permissions — account roles and per-method access to contracts
/// @notice Native system contract at 0x0000000000000000000000000000000000001002.
interface IPermissions {
    /// Account roles granted by the committee. Committee membership (ICommittee) and organisation administration
    /// (IMembership) are kept by those contracts.
    enum Role {
        Deployer,
        Transactor,
        Regulator
    }

    /// How a contract method may be called: by anyone, only by listed accounts, or by anyone but listed accounts.
    enum MethodAccess {
        Open,
        AllowList,
        DenyList
    }

    event RoleGranted(address indexed account, Role role, address indexed by);
    event RoleRevoked(address indexed account, Role role, address indexed by);
    event ContractAdminChanged(address indexed target, address indexed admin, address indexed by);
    event MethodAccessChanged(address indexed target, bytes4 selector, MethodAccess access, address indexed by);
    event MethodAccountListed(address indexed target, bytes4 selector, address indexed account, bool listed);

    // --- committee --------------------------------------------------------------------------------------------
    /// A committee revocation of Transactor sticks: binding the account to an organisation again does not restore it;
    /// only grantRole does.
    function grantRole(address account, Role role) external;
    function revokeRole(address account, Role role) external;

    // --- the contract's admin (its deployer, until handed over) ----------------------------------------------
    function setContractAdmin(address target, address admin) external;
    function setMethodAccess(address target, bytes4 selector, MethodAccess access) external;
    /// Adds `account` to (listed = true) or removes it from the method's allow or deny list.
    function setMethodAccount(address target, bytes4 selector, address account, bool listed) external;

    // --- views ------------------------------------------------------------------------------------------------
    function hasRole(address account, Role role) external view returns (bool);
    /// address(0) for contracts created before deployments were recorded, or not contracts at all.
    function contractAdmin(address target) external view returns (address);
    function methodAccess(address target, bytes4 selector) external view returns (MethodAccess);
    function isMethodAccountListed(address target, bytes4 selector, address account) external view returns (bool);
    /// Whether `caller` may call `selector` on `target` under its method rules (freezing is ISupervision's).
    function canCall(address target, bytes4 selector, address caller) external view returns (bool);
}
