#!/usr/bin/env node
// `npm start`: until the node exists, show what the xinlian command can do (the build has already run).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../packages/cli/bin/xinlian.js', import.meta.url));
const result = spawnSync(process.execPath, [cli, '--help'], { stdio: 'inherit' });
console.log('\nTry: npx xinlian keys new --suite gm --out my-key.json');
process.exit(result.status ?? 1);
