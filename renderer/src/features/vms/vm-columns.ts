import type { MessageKey } from '../../i18n/translate';
import type { VmSortKey } from './vm-filter';

/** The VM list's columns (issue 19): which a person can show, hide and reorder. Name always shows. */
export const VM_COLUMNS = ['name', 'title', 'state', 'host', 'ip', 'cpu', 'memUse', 'vcpus', 'memory', 'actions'] as const;
export type VmColumn = (typeof VM_COLUMNS)[number];

export interface ColumnDef {
  label: MessageKey;
  width: string;
  sort?: VmSortKey;
}

export const COLUMN_DEFS: Record<VmColumn, ColumnDef> = {
  name: { label: 'vms.col.name', width: 'minmax(150px, 2fr)', sort: 'name' },
  title: { label: 'vms.col.title', width: 'minmax(74px, 1.5fr)' },
  state: { label: 'vms.col.state', width: '100px', sort: 'state' },
  host: { label: 'vms.col.host', width: 'minmax(96px, 1fr)', sort: 'host' },
  ip: { label: 'vms.col.ip', width: '120px' },
  cpu: { label: 'vms.col.cpu', width: '100px' },
  memUse: { label: 'vms.col.memUse', width: '150px' },
  vcpus: { label: 'vms.col.vcpus', width: '56px', sort: 'vcpus' },
  memory: { label: 'vms.col.memory', width: '84px', sort: 'memory' },
  actions: { label: 'vms.col.actions', width: '140px' },
};

export interface ColumnChoice {
  id: VmColumn;
  shown: boolean;
}

export const DEFAULT_COLUMNS: readonly ColumnChoice[] = VM_COLUMNS.map((id) => ({ id, shown: true }));
const STORAGE_KEY = 'hangar.vmList.columns';

/**
 * The saved choice, repaired: unknown ids dropped, columns added since appended (shown), name
 * always shown. Anything unreadable gives the default.
 */
export function parseColumns(raw: string | null): ColumnChoice[] {
  let saved: unknown;
  try {
    saved = raw ? JSON.parse(raw) : null;
  } catch {
    saved = null;
  }
  if (!Array.isArray(saved)) return DEFAULT_COLUMNS.map((c) => ({ ...c }));
  const out: ColumnChoice[] = [];
  for (const x of saved as unknown[]) {
    const id = (x as { id?: unknown })?.id;
    if (typeof id !== 'string' || !(VM_COLUMNS as readonly string[]).includes(id) || out.some((c) => c.id === id)) continue;
    out.push({ id: id as VmColumn, shown: id === 'name' || (x as { shown?: unknown }).shown !== false });
  }
  for (const id of VM_COLUMNS) if (!out.some((c) => c.id === id)) out.push({ id, shown: true });
  return out;
}

export function loadColumns(): ColumnChoice[] {
  try {
    return parseColumns(localStorage.getItem(STORAGE_KEY));
  } catch {
    return parseColumns(null);
  }
}

export function saveColumns(cols: readonly ColumnChoice[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(cols));
  } catch {
    // Storage full or refused: the choice lasts for this session only.
  }
}

/** Moves a column one place up (-1) or down (+1). */
export function moveColumn(cols: readonly ColumnChoice[], id: VmColumn, by: -1 | 1): ColumnChoice[] {
  const i = cols.findIndex((c) => c.id === id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= cols.length) return [...cols];
  const next = [...cols];
  [next[i], next[j]] = [next[j]!, next[i]!];
  return next;
}

export function toggleColumn(cols: readonly ColumnChoice[], id: VmColumn): ColumnChoice[] {
  return cols.map((c) => (c.id === id && id !== 'name' ? { ...c, shown: !c.shown } : c));
}

/** The CSS grid template of the shown columns, after the selection checkbox. */
export function gridTemplate(shown: readonly VmColumn[]): string {
  return ['36px', ...shown.map((id) => COLUMN_DEFS[id].width)].join(' ');
}
