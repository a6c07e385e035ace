import type { LibraryCopy } from '../../../../engine/contract';
import { Message } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';

const BADGE: Record<LibraryCopy['state'], string> = { ready: 'vm-running', uploading: 'vm-starting', verifying: 'vm-starting', error: 'vm-error' };

/** One host's copy: its host and state (Uploading n%, Verifying, Ready, Error with its reason). */
export function CopyChip({ copy, hostName }: { copy: LibraryCopy; hostName: string }) {
  const t = useT();
  const reason = copy.error && Message.safeParse(copy.error).success ? t(copy.error.key as never, copy.error.args) : null;
  const label = copy.state === 'uploading' ? t('templates.state.uploading', { percent: Math.round(copy.percent ?? 0) }) : t(`templates.state.${copy.state}`);
  return (
    <span className="nowrap" data-testid="library-copy-state" data-host={hostName} data-state={copy.state} title={`${copy.pool}/${copy.volume}${copy.sha256 ? `\nSHA-256 ${copy.sha256}` : ''}`}>
      <span translate="no">{hostName}</span> <span className={`badge ${BADGE[copy.state]}`}>{label}</span>
      {reason && <span className="warn-text small"> {reason}</span>}
    </span>
  );
}
