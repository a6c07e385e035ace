import type { MessageKey } from '../en';
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
import { clone } from './clone';
import { snapshots } from './snapshots';
import { maintenance } from './maintenance';
import { leases } from './leases';
import { storage } from './storage';
import { networks } from './networks';
import { transfer } from './transfer';
import { warm } from './warm';
import { poolsPage } from './poolsPage';
import { apiTokens } from './apiTokens';
import { flatten } from '../areas';

/** Korean strings, one file per area like en/. Typed as a complete record, so a missing key fails the build. */
export const koAreas = { common, nav, dashboard, hosts, vms, templates, console, metrics, diagnostics, tasks, events, settings, placement, migration, errors, clone, snapshots, maintenance, storage, networks, transfer, warm, leases, poolsPage, apiTokens } as const;

export const ko: Record<MessageKey, string> = flatten(koAreas);
