import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigIntToBytes, bytesToHex, getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { type Genesis, parseGenesis } from '@xinlian/protocol';
import { createNode, type NodeOptions, type XinlianNode } from '../../src/node.js';

/**
 * Shared by the in-process network tests: deterministic keys, free ports, a genesis for n validators (plus observers
 * and one funded user), and nodes over real P2P sockets and LMDB in temporary folders.
 */

export function privateKey(n: number): Uint8Array {
  return bigIntToBytes(BigInt(n) * 104_729n + 0xabcdn, 32);
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const directories: string[] = [];

/** A temporary folder, removed by {@link removeTemporaryDirectories} (call it in an `after` hook). */
export function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  directories.push(directory);
  return directory;
}

export function removeTemporaryDirectories(): void {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

export interface GenesisPlan {
  readonly chainId: number;
  readonly name: string;
  readonly validatorKeys: readonly Uint8Array[];
  readonly observerKeys?: readonly Uint8Array[];
  /** Funded with 10^12 wei. */
  readonly user?: Uint8Array;
}

export function networkGenesis(suite: Suite, plan: GenesisPlan): Genesis {
  const key = (privateKey: Uint8Array) => bytesToHex(suite.getPublicKey(privateKey), true);
  return parseGenesis({
    chainId: plan.chainId,
    suite: suite.name,
    name: plan.name,
    timestamp: 1_750_000_000_000,
    validators: plan.validatorKeys.map((k, i) => ({ name: `node${i}`, publicKey: key(k), power: 1 })),
    observers: (plan.observerKeys ?? []).map((k, i) => ({ name: `observer${i}`, publicKey: key(k) })),
    alloc:
      plan.user === undefined
        ? {}
        : {
            [bytesToHex(suite.addressFromPublicKey(suite.getPublicKey(plan.user)), true)]: { balance: '1000000000000' },
          },
    gasLimit: 30_000_000,
    maxBlockBytes: 4 * 1024 * 1024,
    blockIntervalMs: 100,
    minGasPrice: '0',
    baseFeePerGas: '0',
  });
}

export interface TestNetwork {
  readonly suite: Suite;
  readonly genesis: Genesis;
  /** Validators' keys first, then observers'. */
  readonly keys: readonly Uint8Array[];
  /** Opens node i (a validator below the validator count, an observer from there) over its own folder. */
  open(i: number, log?: NodeOptions['log']): Promise<XinlianNode>;
}

/** Every node listens on its own free port and dials all the others; nothing is started yet. */
export async function planNetwork(
  suiteName: SuiteName,
  plan: { chainId: number; name: string; validators: number; observers?: number; user?: Uint8Array },
): Promise<TestNetwork> {
  const suite = getSuite(suiteName);
  const count = plan.validators + (plan.observers ?? 0);
  const keys = Array.from({ length: count }, (_, i) => privateKey(i + 1));
  const genesis = networkGenesis(suite, {
    chainId: plan.chainId,
    name: plan.name,
    validatorKeys: keys.slice(0, plan.validators),
    observerKeys: keys.slice(plan.validators),
    ...(plan.user === undefined ? {} : { user: plan.user }),
  });
  const ports = await freePorts(count);
  const homes = keys.map((_, i) => temporaryDirectory(`xinlian-${plan.name}-${i}-`));
  return {
    suite,
    genesis,
    keys,
    open: (i, log) =>
      createNode({
        dataDirectory: homes[i] as string,
        genesis,
        ...(i < plan.validators ? { validatorPrivateKey: keys[i] as Uint8Array } : {}),
        rpc: { host: '127.0.0.1', port: 0 },
        emptyBlockIntervalMs: 0,
        ...(log === undefined ? {} : { log }),
        network: {
          listen: { host: '127.0.0.1', port: ports[i] as number },
          peers: keys
            .map((other, j) => ({ host: '127.0.0.1', port: ports[j] as number, publicKey: suite.getPublicKey(other) }))
            .filter((_, j) => j !== i),
          nodePrivateKey: keys[i] as Uint8Array,
          timeoutProposeMs: 1000,
        },
      }),
  };
}
