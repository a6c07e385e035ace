import { useT } from '../../i18n/use-t';
import { RANGES, type TimeRange } from './ranges';

const toInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

/** 15 min … 1 year, or a custom from/to. */
export function RangePicker({ value, onChange }: { value: TimeRange; onChange: (r: TimeRange) => void }) {
  const t = useT();
  return (
    <div className="range-picker" role="group" aria-label={t('metrics.range')}>
      {RANGES.map((k) => (
        <button
          key={k}
          type="button"
          className={value.key === k ? 'btn btn-small active' : 'btn btn-small'}
          aria-pressed={value.key === k}
          data-testid={`range-${k}`}
          onClick={() => onChange(k === 'custom' ? { key: k, from: Date.now() - 3_600_000, to: Date.now() } : { key: k })}
        >
          {t(`metrics.range.${k}`)}
        </button>
      ))}
      {value.key === 'custom' && (
        <>
          <label>
            {t('metrics.from')}{' '}
            <input type="datetime-local" data-testid="range-from" value={toInput(value.from ?? Date.now())} onChange={(e) => e.target.value && onChange({ ...value, from: new Date(e.target.value).getTime() })} />
          </label>
          <label>
            {t('metrics.to')}{' '}
            <input type="datetime-local" data-testid="range-to" value={toInput(value.to ?? Date.now())} onChange={(e) => e.target.value && onChange({ ...value, to: new Date(e.target.value).getTime() })} />
          </label>
        </>
      )}
    </div>
  );
}
