// `npm run dist`: installers for this platform with electron-builder. Needs the Electron binary.
import { spawnSync } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

const electron = electronBinary();
if ('missing' in electron) {
  console.error(`npm run dist needs the Electron binary: ${electron.missing}. Run it on a machine that can download Electron ${process.env.npm_package_devDependencies_electron ?? ''}.`);
  process.exit(1);
}
if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
const r = spawnSync('npx', ['electron-builder', '--config', 'electron-builder.yml', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
