/** A labelled choice among strings: the one way the UI renders a <select> of names. */
export function Select({
  value,
  onChange,
  options,
  blank,
  testId,
  disabled,
}: {
  value: string;
  onChange: (value: string) => void;
  /** Plain names, or [value, label] pairs. */
  options: readonly (string | readonly [string, string])[];
  /** A first, empty choice (its label, '' for none). */
  blank?: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <select data-testid={testId} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
      {blank !== undefined && <option value="">{blank}</option>}
      {options.map((o) => {
        const [v, label] = typeof o === 'string' ? [o, o] : o;
        return (
          <option key={v} value={v}>
            {label}
          </option>
        );
      })}
    </select>
  );
}
