// A destructive action behind a second, explicit press: the first button only opens the question
// (a <details> element, so it works before hydration and without JavaScript), the danger-coloured
// button inside it does the deed, and pressing the first one again closes the question.
export function ConfirmAction({
  label,
  labelFor,
  question,
  confirmLabel,
  action,
  inline = false,
}: {
  label: string;
  /** The opening button's accessible name, when the visible label alone is ambiguous in a list. */
  labelFor?: string;
  question: string;
  confirmLabel: string;
  action: (form: FormData) => void | Promise<void>;
  inline?: boolean;
}) {
  return (
    <details className={`confirm-action${inline ? " inline" : ""}`}>
      <summary className="danger-summary" aria-label={labelFor ? `${labelFor}…` : undefined}>{label}</summary>
      <div className="confirm-box" role="group" aria-label={confirmLabel}>
        <p>{question}</p>
        <form action={action}>
          <button type="submit" className="danger">{confirmLabel}</button>
        </form>
      </div>
    </details>
  );
}
