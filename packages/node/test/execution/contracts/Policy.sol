// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// A contract the execution policy freezes or restricts (policy tests).
contract Target {
    uint256 public stored;

    function set(uint256 value) external payable {
        stored = value;
    }

    function get() external view returns (uint256) {
        return stored;
    }
}

/// Calls Target: plainly (a refusal bubbles up), with try/catch, by STATICCALL, and by DELEGATECALL.
contract Caller {
    /// Slot 0, like Target.stored: a DELEGATECALL to Target.set writes here.
    uint256 public stored;
    bool public lastOk;
    string public lastReason;

    function callSet(address target, uint256 value) external payable {
        Target(target).set{value: msg.value}(value);
    }

    /// Catches the refusal and goes on: the writes after the call show the caller kept running.
    function trySet(address target, uint256 value) external payable returns (bool ok, string memory reason) {
        try Target(target).set{value: msg.value}(value) {
            ok = true;
        } catch Error(string memory why) {
            reason = why;
        }
        lastOk = ok;
        lastReason = reason;
    }

    function tryGet(address target) external view returns (bool ok, string memory reason) {
        try Target(target).get() returns (uint256) {
            ok = true;
        } catch Error(string memory why) {
            reason = why;
        }
    }

    function delegateSet(address implementation, uint256 value) external returns (bool ok, bytes memory out) {
        (ok, out) = implementation.delegatecall(abi.encodeCall(Target.set, (value)));
    }

    /// Changes the test policy's rules (its storage) and then calls Target, in one transaction.
    function configureThenTrySet(address setter, bytes calldata config, address target, uint256 value)
        external
        returns (bool ok, string memory reason)
    {
        (bool configured, ) = setter.call(config);
        require(configured, "configure failed");
        try Target(target).set(value) {
            ok = true;
        } catch Error(string memory why) {
            reason = why;
        }
    }

    function callCodeSet(address implementation, uint256 value) external returns (bool ok) {
        bytes memory data = abi.encodeCall(Target.set, (value));
        assembly {
            ok := callcode(gas(), implementation, 0, add(data, 32), mload(data), 0, 0)
        }
    }
}

contract Leaf {
    uint256 public one = 1;
}

contract Doomed {
    function die() external {
        selfdestruct(payable(msg.sender));
    }
}

/// Creations at depth: in a constructor, in calls, in a frame that reverts, and one destroyed in the same transaction.
contract Nest {
    Leaf public leaf;

    constructor() {
        leaf = new Leaf();
    }

    function grow() external returns (address first, address second) {
        first = address(new Leaf());
        try this.growThenRevert() {} catch {}
        Doomed doomed = new Doomed();
        doomed.die();
        second = address(new Leaf());
    }

    function growThenRevert() external {
        new Leaf();
        revert("undone");
    }

    function growAndRevert() external {
        new Leaf();
        revert("all undone");
    }
}

/// A public factory: creates Leafs at depth, with CREATE in assembly (to see the 0 it pushes and the revert data a
/// refused creation leaves), with CREATE2 under try/catch, and in a frame that reverts.
contract Spawner {
    address public last;

    /// CREATE of Leaf's init code: the new address (0 when the creation failed) and the creation's revert data.
    function spawn() external returns (address child, bytes memory revertData) {
        bytes memory init = type(Leaf).creationCode;
        assembly {
            child := create(0, add(init, 32), mload(init))
        }
        if (child == address(0)) {
            assembly {
                let size := returndatasize()
                revertData := mload(0x40)
                mstore(revertData, size)
                returndatacopy(add(revertData, 32), 0, size)
                mstore(0x40, add(add(revertData, 32), and(add(size, 31), not(31))))
            }
        }
        last = child;
    }

    /// CREATE2 with `new`, catching a refusal: the new address or the reason.
    function trySpawn2(bytes32 salt) external returns (address child, string memory reason) {
        try new Leaf{salt: salt}() returns (Leaf leaf) {
            child = address(leaf);
        } catch Error(string memory why) {
            reason = why;
        }
    }

    /// A plain `new`: a refusal reverts the whole call with the reason.
    function spawnOrRevert() external returns (address) {
        return address(new Leaf());
    }

    /// One Leaf that survives, one created in a call that reverts (caught), then another that survives.
    function spawnAroundRevert() external returns (address first, address second) {
        first = address(new Leaf());
        try this.spawnThenRevert() {} catch {}
        second = address(new Leaf());
    }

    function spawnThenRevert() external {
        new Leaf();
        revert("undone");
    }
}

/// A low-level CALL that records what came back (reaches accounts without code, such as system precompiles).
contract Forwarder {
    bool public lastOk;
    bytes public lastData;

    function forward(address target, bytes calldata data) external returns (bool ok, bytes memory out) {
        (ok, out) = target.call(data);
        lastOk = ok;
        lastData = out;
    }
}
