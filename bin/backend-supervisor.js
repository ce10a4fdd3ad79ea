#!/usr/bin/env node
// The package's command: `backend-supervisor serve` runs the supervisor headless.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/node/headless.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('backend-supervisor: not built yet: run `npm run build` in the package folder first.');
  process.exitCode = 1;
} else {
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
}
