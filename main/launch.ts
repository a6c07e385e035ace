/**
 * Electron's entry (out/main/index.js): turns on V8's compile cache, then loads the app's main
 * bundle (out/main/main.cjs), as the `hangar` CLI's launcher does. Nothing else belongs here.
 */
import module from 'node:module';
import { enableCompileCache } from '../engine/launch/compile-cache';

enableCompileCache();
module.createRequire(import.meta.url)('./main.cjs');
