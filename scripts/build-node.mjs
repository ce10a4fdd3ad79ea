// Bundles the plain-Node parts that electron-vite does not build: the headless entry
// (`backend-supervisor serve`) and the reference backend. npm packages stay external
// (resolved from node_modules at run time), our own code becomes one file each.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/main/headless.ts'], outfile: 'out/node/headless.js' }),
  build({ ...common, entryPoints: ['src/reference-backend/main.ts'], outfile: 'out/reference-backend/server.js' }),
]);
