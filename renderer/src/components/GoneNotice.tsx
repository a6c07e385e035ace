/** A detail page whose host or VM is no longer there: it says so and offers the way back to its list. */
export function GoneNotice({ text, back, onBack }: { text: string; back: string; onBack: () => void }) {
  return (
    <section>
      <p className="banner">{text}</p>
      <button type="button" className="btn" onClick={onBack}>
        {back}
      </button>
    </section>
  );
}
