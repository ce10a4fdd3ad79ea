#!/usr/bin/env node
// The package's command: `backend-supervisor serve` runs the supervisor headless.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// serve, until the entry has loaded (a few hundred ms) and takes the signals over
// (shutdown-signals.ts): SIGHUP's default action ended it (a reload asked for during the
// start-up), and SIGUSR1 opened Node's inspector. Ignored meanwhile; a stop signal keeps its
// default action, and a client command its SIGHUP (the terminal closing ends it).
const ignore = () => undefined;
if (process.platform !== 'win32' && process.argv[2] === 'serve') {
  for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2']) process.on(signal, ignore);
}

const entry = fileURLToPath(new URL('../out/node/headless.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('backend-supervisor: not built yet: run `npm run build` in the package folder first.');
  process.exitCode = 1;
} else {
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
}
