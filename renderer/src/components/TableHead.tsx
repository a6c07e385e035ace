import type { ReactNode } from 'react';

/** A table's header row of plain column titles; null leaves a column untitled (its row actions). */
export function TableHead({ cols }: { cols: readonly ReactNode[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          // The columns are fixed for the table's life: their place is their identity.
          <th key={i}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}
