import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./shutdown-fixture.js', import.meta.url));

function runFixture(): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe('sync stop()', () => {
  it('leaves no open handles: a process that stops two syncing nodes exits by itself', async () => {
    const { code, stdout, stderr, timedOut } = await runFixture();
    assert.equal(timedOut, false, `the process did not exit after stop(): ${stdout}${stderr}`);
    assert.equal(code, 0, stderr);
    const match = /^stopped at (\d+) \[\]\n$/.exec(stdout);
    assert.ok(match !== null, `no timer or socket is left after stop(): ${stdout}`);
    assert.ok(Number(match[1]) < 30, 'it was stopped mid-sync');
  });
});
