import type { ReactNode } from 'react';

/**
 * A form control under its label: the `field` class stacks them in a form grid, and `wide` spans
 * every column (a text area, a list). Clicking the label focuses the control inside it.
 */
export function Field({ label, wide = false, children }: { label: ReactNode; wide?: boolean; children: ReactNode }) {
  return (
    <label className={wide ? 'field span-all' : 'field'}>
      <span>{label}</span>
      {children}
    </label>
  );
}
