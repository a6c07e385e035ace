import { z } from 'zod';
import { HostRefusal, type HangarError, type Message } from '../../../../engine/contract';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';

const Refusals = z.array(HostRefusal);

/** The hosts placement refused, each with every reason, when the error carries them. */
export function refusalsOf(error: HangarError | null): HostRefusal[] {
  const parsed = Refusals.safeParse(error?.details?.['refusals']);
  return parsed.success ? parsed.data : [];
}

/** Why no host could take the VM: one line per host, its reasons in the user's language. */
export function PlacementRefusal({ refusals }: { refusals: HostRefusal[] }) {
  const t = useT();
  return (
    <div className="banner error span-all" role="alert" data-testid="placement-refusal">
      <strong>{t('placement.err.refused', { count: refusals.length })}</strong>
      <ul className="issue-list">
        {refusals.map((r) => (
          // Each reason names its host already: the host is not said twice.
          <li key={r.hostId} data-host={r.host}>
            {r.reasons.map((m) => translateMessage(t, m)).join(' · ')}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a preferred rule could not keep, said once the VM is placed. */
export function PlacementWarnings({ warnings }: { warnings: Message[] }) {
  const t = useT();
  if (warnings.length === 0) return null;
  return (
    <ul className="banner warn plain-list" data-testid="placement-warnings">
      {warnings.map((w, i) => (
        <li key={i}>{translateMessage(t, w)}</li>
      ))}
    </ul>
  );
}
