import type { OsEntry } from '../../../../engine/contract';
import { Field } from '../../components/Field';
import { useT } from '../../i18n/use-t';

export interface ItemFieldValues {
  name: string;
  osId: string;
  description: string;
  minVcpus: string;
  minMemoryMiB: string;
  minDiskGiB: string;
}

export const blankItemFields: ItemFieldValues = { name: '', osId: 'debian12', description: '', minVcpus: '1', minMemoryMiB: '512', minDiskGiB: '1' };

/** The fields every library item has, as the contract takes them. */
export const itemParams = (f: ItemFieldValues) => ({
  name: f.name.trim(),
  osId: f.osId,
  description: f.description,
  minVcpus: Number(f.minVcpus) || 1,
  minMemoryMiB: Number(f.minMemoryMiB) || 512,
  minDiskGiB: Number(f.minDiskGiB) || 0,
});

/** Name, OS type (the catalogue; choosing one fills in its minimum sizes), description and minimums. */
export function ItemFields({ f, set, os }: { f: ItemFieldValues; set: (next: Partial<ItemFieldValues>) => void; os: OsEntry[] }) {
  const t = useT();
  return (
    <>
      <Field label={t('templates.form.name')}>
        <input data-testid="library-form-name" required value={f.name} onChange={(e) => set({ name: e.target.value })} />
      </Field>
      <Field label={t('templates.form.os')}>
        <select
          data-testid="library-form-os"
          value={f.osId}
          onChange={(e) => {
            const o = os.find((x) => x.id === e.target.value);
            set({ osId: e.target.value, ...(o ? { minVcpus: String(o.minVcpus), minMemoryMiB: String(o.minMemoryMiB), minDiskGiB: String(o.minDiskGiB) } : {}) });
          }}
        >
          {os.map((o) => (
            <option key={o.id} value={o.id}>
              {o.id === 'other' ? t('templates.os.other') : o.id === 'linux' ? t('templates.os.linux') : o.label}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('templates.form.minVcpus')}>
        <input data-testid="library-form-vcpus" inputMode="numeric" value={f.minVcpus} onChange={(e) => set({ minVcpus: e.target.value.replace(/\D/g, '') })} />
      </Field>
      <Field label={t('templates.form.minMemory')}>
        <input data-testid="library-form-memory" inputMode="numeric" value={f.minMemoryMiB} onChange={(e) => set({ minMemoryMiB: e.target.value.replace(/\D/g, '') })} />
      </Field>
      <Field label={t('templates.form.minDisk')}>
        <input data-testid="library-form-disk" inputMode="decimal" value={f.minDiskGiB} onChange={(e) => set({ minDiskGiB: e.target.value.replace(/[^\d.]/g, '') })} />
      </Field>
      <Field label={t('templates.form.description')} wide>
        <textarea data-testid="library-form-description" rows={2} value={f.description} onChange={(e) => set({ description: e.target.value })} />
      </Field>
    </>
  );
}
