import { useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';
import { useLibrary } from '../../stores/library-store';
import { setVmMedia } from '../../api/vms';

/**
 * Inserts a library ISO into an empty CD-ROM drive. ISOs Ready where the VM is are offered; one
 * still uploading or verifying there is listed but cannot be chosen (the engine refuses it too).
 */
export function LibraryIsoPicker({ vmId, hostId, target, change }: { vmId: string; hostId: string; target: string; change: (p: Promise<VmDetails>) => void }) {
  const t = useT();
  const isos = Object.values(useLibrary((s) => s.byId))
    .filter((i) => i.kind === 'iso' && i.copies.some((c) => c.hostId === hostId || c.reach.includes(hostId)))
    .sort((a, b) => a.name.localeCompare(b.name));
  const [chosen, setChosen] = useState('');
  if (isos.length === 0) return null;
  return (
    <>
      <select aria-label={t('templates.media.label')} data-testid={`vm-cd-library-${target}`} value={chosen} onChange={(e) => setChosen(e.target.value)}>
        <option value="">{t('templates.media.label')}</option>
        {isos.map((i) => {
          const ready = i.readyOn.includes(hostId);
          const c = i.copies.find((x) => x.hostId === hostId || x.reach.includes(hostId));
          return (
            <option key={i.id} value={i.id} disabled={!ready}>
              {i.name}
              {ready ? '' : ` (${c?.state === 'uploading' ? t('templates.state.uploading', { percent: Math.round(c.percent ?? 0) }) : t(`templates.state.${c?.state ?? 'error'}`)})`}
            </option>
          );
        })}
      </select>
      <button type="button" className="btn btn-small" data-testid={`vm-cd-library-insert-${target}`} disabled={!chosen} onClick={() => change(setVmMedia({ vmId, target, libraryIso: chosen }))}>
        {t('templates.media.insert')}
      </button>
    </>
  );
}
