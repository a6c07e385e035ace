import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../../../engine/events/event-hub';
import type { CallContext } from '../../../engine/rpc/handlers';
import { settingsService } from '../../../engine/settings/service';
import { Db } from '../../../engine/store/db';

/** The settings service on real SQLite, through the handlers it registers. */
const ctx: CallContext = { signal: new AbortController().signal };

describe('settings service', () => {
  let dir: string | null = null;
  let db: Db | null = null;
  afterEach(async () => {
    await db?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  const open = async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-settings-'));
    db = await Db.open(path.join(dir, 'hangar.db'));
    return db;
  };

  it('settings are read and changed through their handlers, announced, and kept across a restart', async () => {
    const db = await open();
    const hub = new EventHub();
    const announced: number[] = [];
    hub.subscribe('settings.changed', {}, (s) => announced.push(s.metricsIntervalSec));
    const first = await settingsService({ db, hub });
    const before = await first.handlers['settings.get']!({}, ctx);
    const after = await first.handlers['settings.update']!({ metricsIntervalSec: before.metricsIntervalSec === 10 ? 15 : 10 }, ctx);
    expect(after.metricsIntervalSec).not.toBe(before.metricsIntervalSec);
    expect(announced).toEqual([after.metricsIntervalSec]);
    const again = await settingsService({ db, hub: new EventHub() });
    expect(await again.handlers['settings.get']!({}, ctx)).toEqual(after);
  });
});
