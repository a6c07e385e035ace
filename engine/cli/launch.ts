/**
 * `hangar` as installed (out/cli/hangar.mjs): a launcher kept tiny so that it can turn on V8's
 * compile cache before the engine bundle (out/cli/hangar-main.cjs) is loaded. The bundle is
 * CommonJS with its pure-JS dependencies inside: no ESM linking, no cjs-module-lexer pass over each
 * dependency, no file-by-file resolution of node_modules (issue 20: relaunch ≤ 1 s).
 */
import module from 'node:module';
import { enableCompileCache } from '../launch/compile-cache';

// better-sqlite3 13 crashes Node 20 with a segfault: say so in one line before it can.
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`hangar: needs Node.js 22 or newer, this is ${process.version}: use \`npm start\` (it fetches Node 22), or \`. .ci/node.sh\` first`);
  process.exit(1);
}
enableCompileCache();
module.createRequire(import.meta.url)('./hangar-main.cjs');
