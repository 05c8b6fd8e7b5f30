import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SUITES } from './helpers.js';

const fixture = fileURLToPath(new URL('./shutdown-fixture.js', import.meta.url));

function runFixture(
  suiteName: string,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fixture, suiteName], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe('stop()', () => {
  for (const suiteName of SUITES) {
    it(`leaves no open handles: a process that stops a busy network exits by itself (${suiteName})`, async () => {
      const { code, stdout, stderr, timedOut } = await runFixture(suiteName);
      assert.equal(timedOut, false, `the process did not exit after stop(): ${stdout}${stderr}`);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^stopped \[\]\n$/, 'no socket, server or timer is left after stop() returns');
    });
  }
});
