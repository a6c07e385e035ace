import type { Settings } from '../../../engine/contract';
import { call } from './call';

/** The user's settings, kept by the engine. */

export const getSettings = () => call('settings.get', {});

export const saveSettings = (patch: Partial<Settings>) => call('settings.update', patch);
