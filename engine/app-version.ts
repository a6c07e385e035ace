/** Set at build time by scripts/build.mjs; sources read package.json's version through the env in tests. */
declare const __HANGAR_VERSION__: string | undefined;
export const APP_VERSION: string =
  typeof __HANGAR_VERSION__ === 'string' ? __HANGAR_VERSION__ : (process.env.npm_package_version ?? '0.0.0-dev');
