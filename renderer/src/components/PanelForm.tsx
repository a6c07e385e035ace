import type { ReactNode } from 'react';

/**
 * A form of labelled fields in a grid, with an optional heading: submitting it runs `onSubmit`
 * and never navigates (the browser's own submit would reload the page).
 */
export function PanelForm({ title, testId, className = 'panel form-grid', onSubmit, children }: { title?: ReactNode; testId?: string; className?: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      className={className}
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {title !== undefined && <h2>{title}</h2>}
      {children}
    </form>
  );
}

/** The row under a grid form: its submit button, then what stands beside it (cancel, a "saved" note). */
export function SubmitRow({ label, testId, disabled, children }: { label: ReactNode; testId: string; disabled?: boolean; children?: ReactNode }) {
  return (
    <div className="actions span-all">
      <button type="submit" className="btn btn-primary" data-testid={testId} disabled={disabled}>
        {label}
      </button>
      {children}
    </div>
  );
}
