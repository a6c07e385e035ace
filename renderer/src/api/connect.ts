import type { HangarClient, PreloadBridge } from './client';
import { createIpcClient } from './ipc-client';
import { createWsClient } from './ws-client';

const TOKEN_KEY = 'hangar.token';

/**
 * Picks the transport: the preload bridge inside Electron, else a WebSocket back to the server
 * that served this page. The token arrives once in the URL fragment; it is moved to
 * sessionStorage and removed from the address bar so it is not bookmarked or shared by accident.
 */
export function connect(): HangarClient | { error: 'no-token' } {
  const bridge = (window as unknown as { hangar?: PreloadBridge }).hangar;
  if (bridge) return createIpcClient(bridge);

  const fromHash = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', window.location.pathname + '#/dashboard');
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return { error: 'no-token' };
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return createWsClient(`${scheme}://${window.location.host}/ws`, token);
}
