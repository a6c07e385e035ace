import { common } from './common';
import { nav } from './nav';
import { dashboard } from './dashboard';
import { hosts } from './hosts';
import { vms } from './vms';
import { templates } from './templates';
import { console } from './console';
import { metrics } from './metrics';
import { diagnostics } from './diagnostics';
import { tasks } from './tasks';
import { events } from './events';
import { settings } from './settings';
import { placement } from './placement';
import { migration } from './migration';
import { errors } from './errors';
import { storage } from './storage';
import { networks } from './networks';
import { transfer } from './transfer';
import { clone } from './clone';
import { snapshots } from './snapshots';
import { maintenance } from './maintenance';
import { warm } from './warm';
import { leases } from './leases';
import { poolsPage } from './poolsPage';
import { apiTokens } from './apiTokens';
import { flatten } from '../areas';

/**
 * English strings, one file per area (the key's first segment names it): the source of truth for
 * keys. Every key must exist in the same Korean area file (the compiler checks). Add a key to the
 * area file its prefix belongs to; a prefix of a new area gets a new file here and in ko/.
 */
export const enAreas = { common, nav, dashboard, hosts, vms, templates, console, metrics, diagnostics, tasks, events, settings, placement, migration, errors, clone, snapshots, maintenance, storage, networks, transfer, warm, leases, poolsPage, apiTokens } as const;

export const en = flatten(enAreas);

export type MessageKey = keyof typeof en;
