import os from 'node:os';
import path from 'node:path';

/** The data directory by OS convention, overridable with HANGAR_DATA_DIR. */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.HANGAR_DATA_DIR) return path.resolve(env.HANGAR_DATA_DIR);
  switch (platform) {
    case 'win32':
      return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'Hangar');
    case 'darwin':
      return path.posix.join(home, 'Library', 'Application Support', 'Hangar');
    default:
      return path.posix.join(env.XDG_CONFIG_HOME ?? path.posix.join(home, '.config'), 'Hangar');
  }
}
