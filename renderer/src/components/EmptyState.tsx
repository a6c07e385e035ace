export function EmptyState({ title, help }: { title: string; help?: string }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {help && <p className="muted">{help}</p>}
    </div>
  );
}
