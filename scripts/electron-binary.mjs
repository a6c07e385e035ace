// Finds the Electron binary without triggering the electron package's download-on-first-use.
import fs from 'node:fs';
import path from 'node:path';

export function electronBinary(root = process.cwd()) {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(pkgDir, 'package.json'))) return { missing: 'the electron npm package is not installed (run npm install)' };
  const pathFile = path.join(pkgDir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const bin = override ? path.join(override, rel || 'electron') : rel ? path.join(pkgDir, 'dist', rel) : '';
  if (bin && fs.existsSync(bin)) return { path: bin };
  return { missing: 'the Electron runtime is not installed and could not be downloaded (offline, or the npm mirror has no Electron binary)' };
}

/** Tries the electron package's own installer once, bounded in time; true when a binary is then there. */
export async function tryInstallElectron(root = process.cwd(), timeoutMs = 60_000) {
  const { spawn } = await import('node:child_process');
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return false;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve('path' in electronBinary(root));
    });
  });
}
