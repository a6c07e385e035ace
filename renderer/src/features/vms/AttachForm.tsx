import type { ReactNode } from 'react';
import { useT } from '../../i18n/use-t';

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
    <form
      className="panel form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <h2>{props.title}</h2>
      {props.children}
      {props.showLive && (
        <label className="check">
          <input type="checkbox" data-testid={props.liveTestId} checked={props.live} onChange={(e) => props.onLive(e.target.checked)} />
          {t('vm.nic.live')}
        </label>
      )}
      <div className="actions span-all">
        <button type="submit" className="btn btn-primary" data-testid={props.submitTestId} disabled={props.canSubmit === false}>
          {props.title}
        </button>
      </div>
    </form>
  );
}
