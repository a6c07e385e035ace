import { useLibrary } from '../../stores/library-store';
import { useHosts } from '../../stores/hosts-store';
import { useT } from '../../i18n/use-t';
import { Field } from '../../components/Field';
import { copyToHost } from '../../api/library';

/** Whether the template is not yet usable on the host (not Ready there, nor in a pool it shares). */
export function libraryNeedsCopy(itemId: string, hostId: string): boolean {
  const item = useLibrary.getState().byId[itemId];
  return !!item && !item.readyOn.includes(hostId);
}

/** Copies the template to the host first when asked (the copy job must succeed), then creates. */
export async function runLibraryCreate<T>(copyFirst: { itemId: string; hostId: string; pool: string } | null, create: () => Promise<T>): Promise<T> {
  if (copyFirst) await copyToHost({ itemId: copyFirst.itemId, toHostId: copyFirst.hostId, pool: copyFirst.pool });
  return create();
}

/**
 * The create form's template choice: the library's templates with the hosts where each is Ready.
 * A host without it is offered a copy first: the form asks, and only creates once the person agrees.
 */
export function LibraryPick({ itemId, mode, hostId, copyFirst, onChange }: {
  itemId: string;
  mode: 'copy' | 'overlay';
  hostId: string;
  copyFirst: boolean;
  onChange: (next: { libraryItem?: string; libraryMode?: 'copy' | 'overlay'; copyFirst?: boolean; vcpus?: string; memoryMiB?: string; diskSizeGiB?: string }) => void;
}) {
  const t = useT();
  const hosts = useHosts((s) => s.byId);
  const name = (id: string) => hosts[id]?.name ?? id;
  const templates = Object.values(useLibrary((s) => s.byId))
    .filter((i) => i.kind === 'template' && i.readyOn.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
  const item = templates.find((i) => i.id === itemId);
  const missing = item && hostId && !item.readyOn.includes(hostId);
  return (
    <>
      <Field label={t('templates.pick.label')}>
        <select
          data-testid="vm-create-template"
          value={itemId}
          onChange={(e) => {
            const it = templates.find((i) => i.id === e.target.value);
            onChange({ libraryItem: e.target.value, copyFirst: false, ...(it ? { vcpus: String(it.minVcpus), memoryMiB: String(it.minMemoryMiB), diskSizeGiB: String(Math.max(1, it.minDiskGiB)) } : {}) });
          }}
        >
          <option value="">{templates.length === 0 ? t('templates.pick.none') : ''}</option>
          {templates.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name} — {t('templates.pick.readyOn', { hosts: i.readyOn.map(name).join(', ') })}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.pick.mode')}>
        <select data-testid="vm-create-template-mode" value={mode} onChange={(e) => onChange({ libraryMode: e.target.value as 'copy' | 'overlay' })}>
          <option value="copy">{t('templates.pick.mode.copy')}</option>
          <option value="overlay">{t('templates.pick.mode.overlay')}</option>
        </select>
      </Field>
      {item && (
        <p className="muted small span-all" data-testid="vm-create-template-hosts">
          {t('templates.pick.readyOn', { hosts: item.readyOn.map(name).join(', ') })}
        </p>
      )}
      {missing && (
        <div className="banner warn span-all" data-testid="vm-create-template-missing">
          <p>{t('templates.pick.notHere', { name: item.name, host: name(hostId) })}</p>
          <label className="check">
            <input type="checkbox" data-testid="vm-create-template-copy" checked={copyFirst} onChange={(e) => onChange({ copyFirst: e.target.checked })} />
            {t('templates.pick.copyFirst', { host: name(hostId) })}
          </label>
        </div>
      )}
    </>
  );
}
