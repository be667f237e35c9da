// The last error of an action, announced next to the control that caused it
// (`inline` inside a row of buttons; a block otherwise; `page` for a view's own error).
export function ActionError({ error, inline = false, page = false, id }: { error: string | undefined; inline?: boolean; page?: boolean; id?: string }) {
  if (error === undefined) return null;
  const className = page ? 'error' : 'field-error';
  return inline ? (
    <span id={id} className={className} role="alert">
      {error}
    </span>
  ) : (
    <p id={id} className={className} role="alert">
      {error}
    </p>
  );
}
