import type { ReactNode } from 'react';
import { useT } from '../../i18n/use-t';
import { PanelForm, SubmitRow } from '../../components/PanelForm';

/**
 * The form under a VM's device table that attaches one more device: its fields, a "live too"
 * choice while the VM runs, and a submit button named like the form.
 */
export function AttachForm(props: {
  title: string;
  /** Shown only when the VM runs: a stopped VM's change is to its configuration alone. */
  showLive: boolean;
  live: boolean;
  onLive: (live: boolean) => void;
  liveTestId?: string;
  submitTestId: string;
  canSubmit?: boolean;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const t = useT();
  return (
    <PanelForm title={props.title} onSubmit={props.onSubmit}>
      {props.children}
      {props.showLive && (
        <label className="check">
          <input type="checkbox" data-testid={props.liveTestId} checked={props.live} onChange={(e) => props.onLive(e.target.checked)} />
          {t('vm.nic.live')}
        </label>
      )}
      <SubmitRow label={props.title} testId={props.submitTestId} disabled={props.canSubmit === false} />
    </PanelForm>
  );
}
