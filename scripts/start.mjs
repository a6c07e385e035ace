// `npm start`: build, then launch the Electron app. Where the Electron runtime cannot be had (an
// offline site whose npm mirror has no Electron binary) it says so in one line and serves the
// same UI with `hangar serve` instead, printing the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { electronBinary, tryInstallElectron } from './electron-binary.mjs';

if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

let electron = electronBinary();
if ('missing' in electron && (await tryInstallElectron())) electron = electronBinary();

const args = process.argv.slice(2);
if ('path' in electron) {
  const child = spawn(electron.path, ['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron is not available here (${electron.missing}); serving the same UI with \`hangar serve\` instead.`);
  const child = spawn(process.execPath, ['out/cli/hangar.mjs', 'serve', ...args], { stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
