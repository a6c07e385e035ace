import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'hangar';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** The renderer's privileges, in one place; a unit test pins every value. */
export function webPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  };
}

export function mainWindowOptions(preloadPath: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Hangar',
    show: false,
    backgroundColor: '#1f2937',
    webPreferences: webPreferences(preloadPath, devTools),
  };
}

/** A console popped out into its own window: same preferences, sized for a VM screen. */
export function consoleWindowOptions(preloadPath: string, devTools: boolean): BrowserWindowConstructorOptions {
  return { ...mainWindowOptions(preloadPath, devTools), width: 1040, height: 820, minWidth: 480, minHeight: 360, title: 'Hangar console', show: true };
}
