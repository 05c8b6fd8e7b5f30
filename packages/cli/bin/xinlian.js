#!/usr/bin/env node
// The `xinlian` command. The TypeScript sources compile to ../dist; `npm run build` at the repository root builds them.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('xinlian is not built yet: run `npm run build` in the repository root first.');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
