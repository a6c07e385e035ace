import { useState } from 'react';
import type { Vm } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useT } from '../../i18n/use-t';
import { runVmAction, updateVm } from '../../api/vms';

/**
 * Why the VM's last start failed, in words, above every tab; when KVM was the cause, the fix:
 * the domain becomes software-emulated (TCG) and starts again.
 */
export function StartFailure({ vm, onError }: { vm: Vm; onError: (e: HangarError | null) => void }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  if (!vm.stateReason) return null;
  const switchToTcg = () => {
    setBusy(true);
    onError(null);
    updateVm({ vmId: vm.id, accel: 'tcg' })
      .then(() => runVmAction([vm.id], 'start'))
      .catch((e: unknown) => onError(HangarError.from(e)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="banner error" role="alert" data-testid="vm-start-failure">
      <div>
        <strong>{t('vm.startFailed.title')}</strong> <span data-testid="vm-state-reason">{vm.stateReason}</span>
      </div>
      {vm.stateFix === 'useSoftwareEmulation' && (
        <>
          <p className="small">{t('vm.startFailed.kvm')}</p>
          <button type="button" className="btn btn-primary btn-small" disabled={busy} data-testid="vm-fix-tcg" onClick={switchToTcg}>
            {t('vm.fix.useSoftwareEmulation')}
          </button>
        </>
      )}
    </div>
  );
}
