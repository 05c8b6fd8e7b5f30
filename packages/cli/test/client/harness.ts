import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigIntToBytes, bytesToHex, encryptKeystore, getSuite, privateKeyToPem, type SuiteName } from '@xinlian/crypto';
import { createNode, type XinlianNode } from '@xinlian/node';
import { parseGenesis } from '@xinlian/protocol';
import solc from 'solc';

/** A real node in this process (LMDB in a temporary folder) and the real `xinlian` binary as child processes. */

const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const cli = join(repositoryRoot, 'packages/cli/bin/xinlian.js');

export const ETHER = 10n ** 18n;

export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `xinlian …` asynchronously (the node answers from this same process, so the test must not block). */
export function xinlian(cwd: string, ...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export interface DevKey {
  readonly privateKey: Uint8Array;
  readonly address: string;
}

function devKey(suite: SuiteName, n: number): DevKey {
  const implementation = getSuite(suite);
  const privateKey = bigIntToBytes(BigInt(n) * 104_729n + 0xc0ffeen, 32);
  const address = bytesToHex(implementation.addressFromPublicKey(implementation.getPublicKey(privateKey)), true);
  return { privateKey, address };
}

export interface TestNetwork {
  readonly suite: SuiteName;
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly directory: string;
  /** Funded with 1000 XL. */
  readonly funded: DevKey;
  /** Holds nothing. */
  readonly empty: DevKey;
  /** Key files: the funded key as a keystore (cheap scrypt; password file `password`) and as PEM, the empty one PEM. */
  readonly files: {
    readonly keystore: string;
    readonly password: string;
    readonly pem: string;
    readonly emptyPem: string;
  };
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  run(...args: string[]): Promise<Result>;
  file(name: string): string;
  stop(): Promise<void>;
}

export async function startNetwork(suite: SuiteName, chainId: number): Promise<TestNetwork> {
  const implementation = getSuite(suite);
  const directory = mkdtempSync(join(tmpdir(), `xinlian-client-${suite}-`));
  const file = (name: string) => join(directory, name);
  const validator = devKey(suite, 1);
  const funded = devKey(suite, 2);
  const empty = devKey(suite, 3);
  const genesis = parseGenesis({
    chainId,
    suite,
    name: `cli-test-${suite}`,
    timestamp: Date.now() - 10_000,
    validators: [
      {
        name: 'v0',
        publicKey: bytesToHex(implementation.getPublicKey(validator.privateKey), true),
        power: 10,
      },
    ],
    alloc: { [funded.address]: { balance: (1000n * ETHER).toString() } },
    gasLimit: 30_000_000,
    maxBlockBytes: 1_000_000,
    blockIntervalMs: 200,
    minGasPrice: '1000000000',
    baseFeePerGas: '1000000000',
  });
  const node: XinlianNode = await createNode({
    dataDirectory: directory,
    genesis,
    validatorPrivateKey: validator.privateKey,
    rpc: { host: '127.0.0.1', port: 0 },
    blockIntervalMs: 200,
    emptyBlockIntervalMs: 1000,
  });
  const { rpcUrl } = await node.start();

  const files = {
    keystore: file('funded.json'),
    password: file('password'),
    pem: file('funded.pem'),
    emptyPem: file('empty.pem'),
  };
  writeFileSync(files.password, 'test password\n');
  const keystore =
    suite === 'intl'
      ? await encryptKeystore(suite, funded.privateKey, 'test password', {
          kdf: 'scrypt',
          scrypt: { N: 1024, r: 8, p: 1 },
        })
      : await encryptKeystore(suite, funded.privateKey, 'test password', { kdf: 'pbkdf2', pbkdf2Iterations: 1000 });
  writeFileSync(files.keystore, JSON.stringify(keystore), { mode: 0o600 });
  writeFileSync(files.pem, privateKeyToPem(suite, funded.privateKey), { mode: 0o600 });
  writeFileSync(files.emptyPem, privateKeyToPem(suite, empty.privateKey), { mode: 0o600 });

  let id = 0;
  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };

  return {
    suite,
    chainId,
    rpcUrl,
    directory,
    funded,
    empty,
    files,
    rpc,
    run: (...args: string[]) => xinlian(directory, ...args, '--rpc', rpcUrl),
    file,
    async stop() {
      await node.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A small ERC-20, compiled with solc (the root devDependency) into a Hardhat-style artifact and solc's own output.

export const TOKEN_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

contract Token {
    string public constant name = "Test Token";
    string public constant symbol = "TT";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error Forbidden(address caller, uint256 code);

    constructor(uint256 supply) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(balanceOf[msg.sender] >= value, "insufficient balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function info(address who) external view returns (uint256 balance, bool holder, string memory label) {
        return (balanceOf[who], balanceOf[who] > 0, name);
    }

    function forbidden() external view {
        revert Forbidden(msg.sender, 42);
    }
}
`;

export interface CompiledToken {
  /** solc's standard-JSON output, as `solc --standard-json` prints it. */
  readonly standardJson: string;
  /** Hardhat's artifact format. */
  readonly hardhatArtifact: string;
}

export function compileToken(): CompiledToken {
  const input = {
    language: 'Solidity',
    sources: { 'Token.sol': { content: TOKEN_SOURCE } },
    settings: {
      evmVersion: 'prague',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const compile: (input: string) => string = solc.compile;
  const standardJson = compile(JSON.stringify(input));
  const output = JSON.parse(standardJson) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<
      string,
      Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
    >;
  };
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const token = output.contracts['Token.sol']?.Token;
  if (token === undefined) throw new Error('Token did not compile');
  const hardhatArtifact = JSON.stringify(
    {
      _format: 'hh-sol-artifact-1',
      contractName: 'Token',
      sourceName: 'contracts/Token.sol',
      abi: token.abi,
      bytecode: `0x${token.evm.bytecode.object}`,
      deployedBytecode: `0x${token.evm.deployedBytecode.object}`,
      linkReferences: {},
      deployedLinkReferences: {},
    },
    null,
    2,
  );
  return { standardJson, hardhatArtifact };
}

export function writeArtifacts(network: TestNetwork, compiled: CompiledToken): { hardhat: string; solc: string } {
  const hardhat = network.file('Token.json');
  const solcOutput = network.file('solc-output.json');
  writeFileSync(hardhat, compiled.hardhatArtifact);
  writeFileSync(solcOutput, compiled.standardJson);
  return { hardhat, solc: solcOutput };
}
