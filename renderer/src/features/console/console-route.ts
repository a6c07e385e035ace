import type { ConsoleKind } from '../../../../engine/contract';

/** `#/console/<vmId>?kind=vnc|serial`: a console on its own (pop-out window or tab). */
export function parseConsoleHash(hash: string): { vmId: string; kind: ConsoleKind } | null {
  const m = /^#\/console\/([^?]+)(?:\?(.*))?$/.exec(hash);
  if (!m?.[1]) return null;
  let vmId: string;
  try {
    vmId = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const kind = new URLSearchParams(m[2] ?? '').get('kind') === 'serial' ? 'serial' : 'vnc';
  return { vmId, kind };
}

export function consoleHash(vmId: string, kind: ConsoleKind): string {
  return `#/console/${encodeURIComponent(vmId)}?kind=${kind}`;
}

/** Opens the console in a window of its own: an app window in Electron, a tab in a browser. */
export function popOutConsole(vmId: string, kind: ConsoleKind): void {
  // Not noopener: a same-origin tab opened this way inherits the session's access token.
  window.open(`${window.location.pathname}${consoleHash(vmId, kind)}`, '_blank');
}
