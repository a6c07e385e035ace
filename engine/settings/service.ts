import type { EventHub } from '../events/event-hub';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { SettingsService } from './settings-service';

/** User settings: read and changed through the contract, announced on `settings.changed`. */
export async function settingsService(deps: { db: Db; hub: EventHub }): Promise<Service & { readonly settings: SettingsService }> {
  const settings = new SettingsService(deps.db, deps.hub);
  await settings.init();
  return {
    name: 'settings',
    settings,
    handlers: {
      'settings.get': async () => settings.get(),
      'settings.update': (p) => settings.update(p),
    },
  };
}
