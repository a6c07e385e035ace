import { create } from 'zustand';
import type { EngineInfo, Settings } from '../../../engine/contract';
import { DEFAULT_SETTINGS } from '../../../engine/contract/settings';
import type { ConnectionStatus, HangarClient } from '../api/client';
import { getEngineInfo } from '../api/engine';
import { getSettings, saveSettings } from '../api/settings';

interface EngineState {
  client: HangarClient | null;
  status: ConnectionStatus | 'no-token';
  info: EngineInfo | null;
  settings: Settings;
}

/** The connection to the engine, its info and the user's settings: a read model of engine events. */
export const useEngine = create<EngineState>(() => ({
  client: null,
  status: 'connecting',
  info: null,
  settings: DEFAULT_SETTINGS,
}));

export function bindEngine(client: HangarClient): void {
  useEngine.setState({ client });
  client.subscribe('settings.changed', {}, (settings) => useEngine.setState({ settings }));
  client.onStatus((status) => {
    useEngine.setState({ status });
    if (status !== 'connected') return;
    void getEngineInfo().then((info) => useEngine.setState({ info }));
    void getSettings().then((settings) => useEngine.setState({ settings }));
  });
}

export async function updateSettings(patch: Partial<Settings>): Promise<void> {
  if (!useEngine.getState().client) return;
  useEngine.setState({ settings: await saveSettings(patch) });
}
