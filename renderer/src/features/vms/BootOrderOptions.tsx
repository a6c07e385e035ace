import { useT } from '../../i18n/use-t';
import { BOOT_CHOICES } from './vm-edit-rules';

/** The boot orders a person picks from, plus the VM's own when it is none of them (kept, not lost). */
export function BootOrderOptions({ current }: { current: readonly string[] }) {
  const t = useT();
  const value = current.join(',');
  return (
    <>
      {!BOOT_CHOICES.some((c) => c.join(',') === value) && <option value={value}>{current.join(' → ') || '—'}</option>}
      {BOOT_CHOICES.map((c) => (
        <option key={c.join(',')} value={c.join(',')}>
          {c.map((d) => t(`vm.boot.${d}`)).join(' → ')}
        </option>
      ))}
    </>
  );
}
