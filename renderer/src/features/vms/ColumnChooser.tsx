import { useState } from 'react';
import { useT } from '../../i18n/use-t';
import { COLUMN_DEFS, DEFAULT_COLUMNS, moveColumn, toggleColumn, type ColumnChoice } from './vm-columns';

/** Show, hide and reorder the VM list's columns (buttons, so it works by keyboard alone). */
export function ColumnChooser({ columns, onChange }: { columns: ColumnChoice[]; onChange: (c: ColumnChoice[]) => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <div className="column-chooser">
      <button type="button" className="btn btn-small" aria-expanded={open} data-testid="vm-columns" onClick={() => setOpen((o) => !o)}>
        {t('vms.columns')}
      </button>
      {open && (
        <div className="menu column-menu" role="dialog" aria-label={t('vms.columns')} data-testid="vm-columns-menu">
          <ul>
            {columns.map((c, i) => (
              <li key={c.id}>
                <label className="check">
                  <input type="checkbox" checked={c.shown} disabled={c.id === 'name'} data-testid={`vm-column-${c.id}`} onChange={() => onChange(toggleColumn(columns, c.id))} />
                  {t(COLUMN_DEFS[c.id].label)}
                </label>
                <button type="button" className="btn btn-small" disabled={i === 0} aria-label={t('vms.columnUp', { name: t(COLUMN_DEFS[c.id].label) })} data-testid={`vm-column-up-${c.id}`} onClick={() => onChange(moveColumn(columns, c.id, -1))}>
                  ↑
                </button>
                <button type="button" className="btn btn-small" disabled={i === columns.length - 1} aria-label={t('vms.columnDown', { name: t(COLUMN_DEFS[c.id].label) })} data-testid={`vm-column-down-${c.id}`} onClick={() => onChange(moveColumn(columns, c.id, 1))}>
                  ↓
                </button>
              </li>
            ))}
          </ul>
          <div className="row-actions">
            <button type="button" className="btn btn-small" onClick={() => onChange(DEFAULT_COLUMNS.map((c) => ({ ...c })))}>
              {t('vms.columnsReset')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
              {t('vms.columnsDone')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
