/**
 * An error from main, worded in the user's language: `errors.<key>` with its values (what went
 * wrong and what to do), then the `detail` main passed along (a command's or the system's own
 * words) as it is. An error without a key (a bug, or an older main) gets the words of its code,
 * with main's English message folded away under "Details".
 */
import type { ErrorBody } from '../../../preload/contract/errors';
import { useT } from '../i18n/use-t';

export function ErrorMessage({ error, role = 'alert', className = 'field-error', testId }: { error: ErrorBody; role?: 'alert' | 'status' | 'none'; className?: string; testId?: string }) {
  const { t, issue } = useT();
  const worded = error.key !== undefined && t.has(`errors.${error.key}`);
  const detail = error.values?.['detail'];
  return (
    <div className={`error-message ${className}`} role={role === 'none' ? undefined : role} data-testid={testId} data-error-key={error.key ?? error.code}>
      <span>{worded ? t.rich(`errors.${error.key}`, error.values) : t(t.has(`errors.code.${error.code}`) ? `errors.code.${error.code}` : 'errors.code.other')}</span>
      {worded && detail !== undefined && detail !== '' && (
        <>
          {' '}
          <code className="mono detail">{String(detail)}</code>
        </>
      )}
      {(error.issues ?? []).length > 0 && (
        <ul className="issues">
          {error.issues!.map((i, n) => (
            <li key={n}>{issue(i)}</li>
          ))}
        </ul>
      )}
      {!worded && (
        <details>
          <summary>{t('errors.details')}</summary>
          <span className="mono">{error.message}</span>
        </details>
      )}
    </div>
  );
}
