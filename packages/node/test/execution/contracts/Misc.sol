// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// Reverts with a reason, panics, and fails without one.
contract Faulty {
    uint256 public stored;

    function fail() external pure {
        revert("Faulty: nope");
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    function writeThenRevert() external {
        stored = 42;
        revert("Faulty: rolled back");
    }

    function writeThenInvalid() external {
        stored = 7;
        assembly {
            invalid()
        }
    }

    function write(uint256 value) external {
        stored = value;
    }
}

/// Emits events.
contract Emitter {
    event Ping(address indexed from, uint256 indexed n, string note);
    event Anonymousish(bytes32 tag) anonymous;

    function ping(uint256 n, string calldata note) external {
        emit Ping(msg.sender, n, note);
        emit Anonymousish(bytes32(n));
    }
}

contract Child {
    address public immutable creator;

    constructor() {
        creator = msg.sender;
    }
}

/// CREATE, CREATE2 and runtime KECCAK256.
contract Factory {
    event Created(address child);

    function deploy2(bytes32 salt) external returns (address child) {
        child = address(new Child{salt: salt}());
        emit Created(child);
    }

    function deploy() external returns (address child) {
        child = address(new Child());
        emit Created(child);
    }

    /// Hashed at run time (the argument is not a constant), so it shows what KECCAK256 computes on this chain.
    function hashOf(string calldata text) external pure returns (bytes32) {
        return keccak256(bytes(text));
    }

    function childInitCode() external pure returns (bytes memory) {
        return type(Child).creationCode;
    }
}

/// Calls the ChainInfo system precompile at 0x…1000.
contract SystemCaller {
    address constant CHAIN_INFO = address(0x1000);

    function chainInfo() external view returns (uint256 chainId, string memory suite) {
        (bool ok, bytes memory out) = CHAIN_INFO.staticcall("");
        require(ok, "ChainInfo failed");
        (chainId, suite) = abi.decode(out, (uint256, string));
    }

    function chainIdMatches() external view returns (bool) {
        (uint256 chainId, ) = this.chainInfo();
        return chainId == block.chainid;
    }

    function delegateToChainInfo() external returns (bool ok) {
        (ok, ) = CHAIN_INFO.delegatecall("");
    }
}
