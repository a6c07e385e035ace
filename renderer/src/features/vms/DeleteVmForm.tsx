import { useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useT } from '../../i18n/use-t';
import { ErrorBanner } from '../../components/ErrorBanner';
import { deleteVm } from '../../api/vms';

/** Delete asks, per disk, whether its volume goes too; a running VM is forced off only if confirmed. */
export function DeleteVmForm({ details, onDone }: { details: VmDetails; onDone: (deleted: boolean) => void }) {
  const t = useT();
  // Disks, and the cloud-init seed Hangar made for this VM (never an installer ISO others may share).
  const disks = details.disks.filter((d) => d.source && (d.device === 'disk' || d.source.endsWith(`/${details.vm.name}-seed.iso`)));
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [force, setForce] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const running = details.vm.state !== 'stopped' && details.vm.state !== 'crashed';
  return (
    <form
      className="panel"
      data-testid="delete-vm-form"
      onSubmit={(e) => {
        e.preventDefault();
        deleteVm({ vmId: details.vm.id, deleteDisks: [...chosen], force }).then(() => onDone(true), (err: unknown) => setError(HangarError.from(err)));
      }}
    >
      <h2>{t('vm.delete.title', { name: details.vm.name })}</h2>
      {disks.map((d) => (
        <label key={d.target} className="check">
          <input
            type="checkbox"
            data-testid={`delete-disk-${d.target}`}
            checked={chosen.has(d.target)}
            onChange={(e) => {
              const n = new Set(chosen);
              if (e.target.checked) n.add(d.target);
              else n.delete(d.target);
              setChosen(n);
            }}
          />
          {t('vm.delete.disk', { target: d.target, source: d.source ?? '' })}
        </label>
      ))}
      {disks.length > 0 && <p className="muted small">{t('vm.delete.keepHelp')}</p>}
      <p className="muted small" data-testid="delete-snapshots-note">
        {t('vm.delete.snapshots')}
      </p>
      {running && (
        <label className="check">
          <input type="checkbox" data-testid="delete-force" checked={force} onChange={(e) => setForce(e.target.checked)} />
          {t('vm.delete.force')}
        </label>
      )}
      <ErrorBanner error={error} testId="delete-error" />
      <div className="actions">
        <button type="submit" className="btn btn-danger" data-testid="delete-confirm" disabled={running && !force}>
          {t('vm.action.delete')}
        </button>
        <button type="button" className="btn" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
