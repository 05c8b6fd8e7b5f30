import { createRequire } from 'node:module';
import { bytesToHex, concatBytes, hexToBytes } from '@xinlian/crypto';

/**
 * A minimal ERC-20 (balances, transfer, the Transfer event): the constructor credits `amount` to each of `holders`,
 * so one deployment funds every lane. Compiled with the solc-js of the root devDependencies, for Cancun (both
 * Hardhat and Xinlian run Prague, which accepts Cancun code).
 */
const SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

contract BenchToken {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(address[] memory holders, uint256 amount) {
        for (uint256 i = 0; i < holders.length; i++) {
            balanceOf[holders[i]] += amount;
            emit Transfer(address(0), holders[i], amount);
        }
        totalSupply = amount * holders.length;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        uint256 balance = balanceOf[msg.sender];
        require(balance >= value, "insufficient balance");
        unchecked { balanceOf[msg.sender] = balance - value; }
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
`;

interface SolcOutput {
  readonly errors?: readonly { readonly severity: string; readonly formattedMessage: string }[];
  readonly contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
}

export function compileToken(): Uint8Array {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string): string };
  const input = {
    language: 'Solidity',
    sources: { 'BenchToken.sol': { content: SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const object = output.contracts['BenchToken.sol']?.BenchToken?.evm.bytecode.object;
  if (object === undefined || object.length === 0) throw new Error('solc produced no bytecode');
  return hexToBytes(object);
}

function word(value: bigint): Uint8Array {
  return hexToBytes(value.toString(16).padStart(64, '0'));
}

function addressWord(address: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(address, 12);
  return out;
}

/** Creation code + abi.encode(address[] holders, uint256 amount). */
export function deployData(bytecode: Uint8Array, holders: readonly Uint8Array[], amount: bigint): Uint8Array {
  return concatBytes(bytecode, word(64n), word(amount), word(BigInt(holders.length)), ...holders.map(addressWord));
}

/** transfer(address,uint256) = 0xa9059cbb. */
export function transferData(to: Uint8Array, amount: bigint): Uint8Array {
  return concatBytes(hexToBytes('a9059cbb'), addressWord(to), word(amount));
}

export function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes, true);
}
