import type { JobState } from '../../../engine/contract';

export type ProgressTone = 'active' | 'done' | 'stopped';

/** A job's stage as the bar shows it. */
export const jobTone = (state: JobState): ProgressTone => (state === 'running' || state === 'queued' ? 'active' : state === 'succeeded' ? 'done' : 'stopped');

/**
 * A task's progress: the bar, and its percentage beside it (never on the bar, where it cannot be
 * read over both the filled and the empty part). `tone` is the task's stage: only an active task
 * with no known progress gets the moving bar; a stopped (failed, cancelled) one stays still.
 */
export function ProgressBar({ value, label, tone = 'active' }: { value: number | null; label: string; tone?: ProgressTone }) {
  const pct = tone === 'done' ? 100 : value === null ? null : Math.round(value * 100);
  const moving = pct === null && tone === 'active';
  return (
    <div className={`progress-wrap tone-${tone}`} data-tone={tone}>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined}>
        <div className={moving ? 'progress-bar indeterminate' : 'progress-bar'} style={moving ? undefined : { width: `${pct ?? 0}%` }} />
      </div>
      <span className="progress-text">{pct === null ? '' : `${pct}%`}</span>
    </div>
  );
}
