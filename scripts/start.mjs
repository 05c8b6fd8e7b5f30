#!/usr/bin/env node
// `npm start` (after the build): a local development chain, `xinlian dev`, printing its RPC URL and funded accounts.
// Extra arguments pass through: `npm start -- --suite gm --rpc-port 9545`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../packages/cli/bin/xinlian.js', import.meta.url));
const child = spawn(process.execPath, [cli, 'dev', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
