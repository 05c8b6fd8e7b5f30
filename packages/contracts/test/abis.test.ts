import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSTEM_ABIS } from '../src/index.js';

interface Compiled {
  readonly version: string;
  readonly abis: Record<string, unknown>;
}

test('the checked-in ABIs are what solc compiles from src/system/*.sol', async () => {
  // dist/test → packages/contracts/scripts (plain JS, not compiled by tsc).
  const script = new URL('../../scripts/compile.mjs', import.meta.url).href;
  const { compileSystemInterfaces } = (await import(script)) as { compileSystemInterfaces(): Compiled };
  const { abis } = compileSystemInterfaces();
  const byName: Record<string, unknown> = {
    IMembership: SYSTEM_ABIS.membership,
    IPermissions: SYSTEM_ABIS.permissions,
    ICommittee: SYSTEM_ABIS.committee,
    ISupervision: SYSTEM_ABIS.supervision,
    IChainConfig: SYSTEM_ABIS.chainConfig,
  };
  assert.deepEqual(Object.keys(abis).sort(), Object.keys(byName).sort());
  for (const [name, abi] of Object.entries(abis)) {
    assert.deepEqual(byName[name], abi, `${name}: run \`npm run compile -w @xinlian/contracts\``);
  }
});
