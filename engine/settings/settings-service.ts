import { DEFAULT_SETTINGS, Settings } from '../contract/settings';
import type { EventHub } from '../events/event-hub';
import type { Db } from '../store/db';

/** User settings, one row per key; unknown or invalid stored values fall back to defaults. */
export class SettingsService {
  private current: Settings = DEFAULT_SETTINGS;

  constructor(
    private readonly db: Db,
    private readonly hub: EventHub,
  ) {}

  async init(): Promise<void> {
    const rows = await this.db.all<{ key: string; value: string }>('SELECT key, value FROM settings');
    const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    const parsed = Settings.partial().safeParse(stored);
    this.current = { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
  }

  get(): Settings {
    return this.current;
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    await this.db.batch(
      entries.map(([key, value]) => ({
        sql: 'INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        params: [key, JSON.stringify(value)],
      })),
    );
    this.current = { ...this.current, ...Object.fromEntries(entries) };
    this.hub.publish('settings.changed', this.current);
    return this.current;
  }
}
