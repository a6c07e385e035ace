/** A row of tabs over a page's sections; the chosen one is `active` and aria-selected. */
export function Tabs<T extends string>({ tabs, current, onSelect, testIdPrefix, label }: { tabs: readonly T[]; current: T; onSelect: (tab: T) => void; testIdPrefix: string; label: (tab: T) => string }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((x) => (
        <button key={x} type="button" role="tab" aria-selected={current === x} className={current === x ? 'tab active' : 'tab'} data-testid={`${testIdPrefix}-${x}`} onClick={() => onSelect(x)}>
          {label(x)}
        </button>
      ))}
    </div>
  );
}
