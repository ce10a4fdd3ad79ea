// `node --import tsx --import ./test/desktop/register.mjs out/main/index.js`: the built main
// process with `electron` resolved to the stand-in (test/desktop/electron-stand-in.ts).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
