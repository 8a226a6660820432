/** A labelled form field with its validation message linked for screen readers. */
import type { ReactNode } from 'react';

export function Field({ id, label, error, hint, children }: { id: string; label: ReactNode; error?: ReactNode; hint?: ReactNode; children: (aria: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode }) {
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${error ? 'invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert" data-field-error={id}>
          {error}
        </p>
      )}
    </div>
  );
}
