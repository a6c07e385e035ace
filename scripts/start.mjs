// `npm start`: build, then launch the Electron app. Where the Electron runtime cannot be had (an
// offline site whose npm mirror has no Electron binary) it says so in one line and serves the
// same UI with `hangar serve` instead, printing the URL to open. `npm run serve` comes here too,
// with --serve, to go straight to `hangar serve`.
//
// Hangar needs Node >= 22 (better-sqlite3 13 crashes on 20). On a machine whose own Node is older
// (Debian 12 ships 20) this script re-runs itself under the Node 22 that .ci/node.sh fetches from
// the npm registry, so the README's `npm install && npm start` works as it is; where that is not
// possible it stops at once with one line saying what to do.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { electronBinary, tryInstallElectron } from './electron-binary.mjs';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const argv = process.argv.slice(2);

/** Runs a child with our stdio; our exit mirrors its own, and a child killed by a signal is an error. */
function runChild(label, cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (err) => {
    console.error(`npm start: could not run ${label}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // SIGINT/SIGTERM we forwarded ourselves is the user stopping it; anything else is a crash.
      if (signal === 'SIGINT' || signal === 'SIGTERM') process.exit(130);
      console.error(`npm start: ${label} died of ${signal}${signal === 'SIGSEGV' ? ' (a crash: is node_modules built for this Node? run `npm rebuild`)' : ''}.`);
      process.exit(1);
    }
    process.exit(code ?? 1);
  });
}

/** The Node >= 22 that .ci/node.sh provides (fetching it once into ~/.cache/hangar), or a reason why not. */
function newerNode() {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync('.ci/node.sh')) {
    return { missing: `Hangar needs Node.js 22 or newer and this is ${process.version}: install Node 22 (see .nvmrc), then run npm start again.` };
  }
  // node.sh reports on stdout; send that to our stderr and keep stdout for the one path we want.
  const r = spawnSync('bash', ['-c', '. .ci/node.sh >&2 && node -p process.execPath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = r.stdout?.trim();
  if (r.status !== 0 || !path) {
    return { missing: `Hangar needs Node.js 22 or newer and this is ${process.version}, and fetching Node 22 failed: run \`. .ci/node.sh\` to see why, then npm start again.` };
  }
  return { path };
}

if (NODE_MAJOR < 22) {
  const node = newerNode();
  if ('missing' in node) {
    console.error(node.missing);
    process.exit(1);
  }
  console.log(`[start] this Node is ${process.version}; running under ${node.path} instead.`);
  runChild('npm start under Node 22', node.path, ['scripts/start.mjs', ...argv]);
} else {
  if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

  const serveOnly = argv[0] === '--serve';
  const args = serveOnly ? argv.slice(1) : argv;
  let electron = serveOnly ? null : electronBinary();
  if (electron && 'missing' in electron && (await tryInstallElectron())) electron = electronBinary();

  if (electron && 'path' in electron) {
    runChild('Electron', electron.path, ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...args]);
  } else {
    if (electron) console.log(`Electron is not available here (${electron.missing}); serving the same UI with \`hangar serve\` instead.`);
    runChild('hangar serve', process.execPath, ['out/cli/hangar.mjs', 'serve', ...args]);
  }
}
